"""Code systems, the FHIR mapping tables (data/fhir_terms.yaml) and the code indexes built
from the knowledge base: LOINC -> lab, RxNorm/ATC -> drug, CVX -> vaccine, ICD-10/SNOMED ->
condition, ICD-O-3 -> histology and site.

Everything here is loaded once and handed down; nothing is module state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trialdesk.knowledge.base import Knowledge, KnowledgeError

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
ICD10 = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
NCT = "https://clinicaltrials.gov"

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
MCODE_PRIMARY = MCODE + "mcode-primary-cancer-condition"
MCODE_SECONDARY = MCODE + "mcode-secondary-cancer-condition"
MCODE_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
MCODE_DISEASE_STATUS = MCODE + "mcode-cancer-disease-status"
# the evidence-type extension of a CancerDiseaseStatus: STU2 onwards, and STU1's name
MCODE_EVIDENCE_TYPE = (MCODE + "mcode-cancer-disease-status-evidence-type", MCODE + "mcode-evidence-type")

# trialdesk's own code systems and extensions, for what FHIR R4 and mCODE do not carry
# (attestations, section review, line-level facts, record qualifiers). The base is a
# placeholder canonical URL until the project publishes an implementation guide.
TRIALDESK = "https://trialdesk.example.org/fhir"
TD_CODES = TRIALDESK + "/CodeSystem/"
TD_EXTENSION = TRIALDESK + "/StructureDefinition/"
TD_RECORD_ID = TRIALDESK + "/NamingSystem/record-id"

DATA_FILE = Path(__file__).parent / "data" / "fhir_terms.yaml"

# What a SNOMED CT specimen type or collection method may map to: never `fresh_biopsy`,
# which says the biopsy is for the trial. `tissue` says tissue, not how it was obtained.
SPECIMEN_TYPE_WORDS = frozenset({"biopsy", "resection", "cytology"})
SPECIMEN_TISSUE = "tissue"


def td_system(name: str) -> str:
    """trialdesk's code system for `name` (lab, histology, site, section, attestation, ...)."""
    return TD_CODES + name


@dataclass(frozen=True)
class FhirTerms:
    """The tables of data/fhir_terms.yaml."""

    ucum: Mapping[str, str]
    results: Mapping[str, str]
    procedures: Mapping[str, str]
    routes: Mapping[str, str]
    severity: Mapping[str, str]
    disease_status: Mapping[str, str]
    disease_status_evidence: Mapping[str, str]
    specimen_types: Mapping[str, str]  # SNOMED CT -> biopsy | resection | cytology | tissue
    specimen_methods: Mapping[str, str]  # SNOMED CT -> biopsy | resection
    ffpe_snomed: frozenset[str]
    ki67_loinc: frozenset[str]
    bp_panel_loinc: frozenset[str]
    uln_labs: frozenset[str]
    disease_status_loinc: frozenset[str]


def load_fhir_terms(path: Path = DATA_FILE) -> FhirTerms:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def table(name: str, key: str) -> dict[str, str]:
        section = data.get(name) or {}
        if not section.get("citations"):
            raise KnowledgeError(f"{path.name}: {name} has no citations")
        return {str(k): str(v) for k, v in (section.get(key) or {}).items()}

    def codes(name: str) -> frozenset[str]:
        section = data.get(name) or {}
        if not section.get("citations"):
            raise KnowledgeError(f"{path.name}: {name} has no citations")
        return frozenset(str(c) for c in section.get("codes", ()))

    def words(name: str, found: Mapping[str, str], allowed: frozenset[str]) -> Mapping[str, str]:
        # `fresh_biopsy` is a biopsy planned or taken for the trial: no code says that
        if wrong := sorted({v for v in found.values() if v not in allowed}):
            raise KnowledgeError(f"{path.name}: {name} maps to {wrong}; allowed: {sorted(allowed)}")
        return found

    return FhirTerms(
        ucum=table("ucum", "units"),
        results=table("results", "snomed"),
        procedures=table("procedures", "snomed"),
        routes=table("routes", "snomed"),
        severity=table("severity", "snomed"),
        disease_status=table("disease_status", "snomed"),
        disease_status_evidence=table("disease_status_evidence", "snomed"),
        specimen_types=words(
            "specimen_types", table("specimen_types", "snomed"), SPECIMEN_TYPE_WORDS | {SPECIMEN_TISSUE}
        ),
        specimen_methods=words("specimen_methods", table("specimen_methods", "snomed"), SPECIMEN_TYPE_WORDS),
        ffpe_snomed=codes("ffpe_snomed"),
        ki67_loinc=codes("ki67_loinc"),
        bp_panel_loinc=codes("bp_panel_loinc"),
        uln_labs=codes("uln_labs"),
        disease_status_loinc=codes("disease_status_loinc"),
    )


def icd10_key(code: str) -> str:
    """ICD-10 codes compare without the dot and case: I21.9 = i219."""
    return code.replace(".", "").strip().upper()


@dataclass(frozen=True)
class CodeIndex:
    """Codes of every terminology trialdesk reads, each to the knowledge entries it denotes.

    A code may denote several entries (ATC L01CE02 is both irinotecan and liposomal
    irinotecan; ICD-O-3 8249/3 both NET G2 and NET G3): callers decide, and report."""

    knowledge: Knowledge
    terms: FhirTerms
    drugs: Mapping[tuple[str, str], tuple[str, ...]]  # (system, code) -> drug ids
    vaccines: Mapping[str, tuple[str, ...]]  # CVX -> vaccine ids
    conditions: Mapping[tuple[str, str], tuple[str, ...]]  # ("icd10"|"snomed", key) -> condition codes
    histologies: Mapping[str, tuple[str, ...]]  # ICD-O-3 morphology -> histology codes
    sites: Mapping[tuple[str, str], tuple[str, ...]]  # ("icdo3"|"snomed", code) -> site codes


def build_code_index(knowledge: Knowledge, terms: FhirTerms) -> CodeIndex:
    drugs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for drug in knowledge.drugs.values():
        if drug.rxnorm:
            drugs[(RXNORM, drug.rxnorm)].append(drug.id)
        if drug.atc:
            drugs[(ATC, drug.atc)].append(drug.id)
    vaccines: dict[str, list[str]] = defaultdict(list)
    for vaccine in knowledge.vaccines.values():
        for cvx in vaccine.cvx:
            vaccines[cvx.lstrip("0") or "0"].append(vaccine.id)
    conditions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for concept in knowledge.conditions.values():
        if "icd10" in concept.codes:
            conditions[("icd10", icd10_key(concept.codes["icd10"]))].append(concept.code)
        if "snomed" in concept.codes:
            conditions[("snomed", concept.codes["snomed"])].append(concept.code)
    histologies: dict[str, list[str]] = defaultdict(list)
    for histology in knowledge.histologies.values():
        if histology.icdo3:
            histologies[histology.icdo3].append(histology.code)
    sites: dict[tuple[str, str], list[str]] = defaultdict(list)
    for site in knowledge.sites.values():
        if "icdo3_topography" in site.codes:
            sites[("icdo3", site.codes["icdo3_topography"].upper())].append(site.code)
        if "snomed" in site.codes:
            sites[("snomed", site.codes["snomed"])].append(site.code)
    return CodeIndex(
        knowledge=knowledge,
        terms=terms,
        drugs={k: tuple(v) for k, v in drugs.items()},
        vaccines={k: tuple(v) for k, v in vaccines.items()},
        conditions={k: tuple(v) for k, v in conditions.items()},
        histologies={k: tuple(v) for k, v in histologies.items()},
        sites={k: tuple(v) for k, v in sites.items()},
    )
