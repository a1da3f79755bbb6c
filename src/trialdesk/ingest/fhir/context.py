"""The state of one import: the code index, the references the bundle can resolve, the
issues found so far and the record items collected. Created per import, never shared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trialdesk.errors import FhirError
from trialdesk.ingest.fhir.elements import codings, describe_codes
from trialdesk.ingest.fhir.lines import Exposure
from trialdesk.ingest.fhir.terms import ICDO3, SNOMED, CodeIndex, td_system
from trialdesk.ingest.report import ImportIssue, IssueKind

# Resource types a reference must resolve to inside the bundle, because their content is
# part of the record (a Practitioner or an Encounter may live elsewhere).
RESOLVED_TYPES = frozenset(
    {"Patient", "Condition", "Observation", "Medication", "Procedure", "Specimen", "List", "Immunization"}
)

SECTIONS = (
    "diagnoses",
    "metastases",
    "therapies",
    "medications",
    "procedures",
    "history",
    "adverse_events",
    "vaccinations",
    "lesions",
    "specimens",
)


@dataclass(frozen=True, slots=True)
class Item:
    """A record item collected from one resource, before it is validated."""

    resource: str  # "Condition/c1", for the report
    key: str | None  # how other resources reference it
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Progression:
    """A worsened mCODE CancerDiseaseStatus, to be placed on a therapy line once the lines
    are known."""

    resource: str
    on: date
    evidence: tuple[str, ...]  # kinds of evidence (fhir_terms.yaml disease_status_evidence)


@dataclass
class ImportContext:
    source: str
    index: CodeIndex
    references: frozenset[str]
    medications: dict[str, Any]  # reference key -> Medication model
    issues: list[ImportIssue] = field(default_factory=list)
    items: dict[str, list[Item]] = field(default_factory=lambda: {name: [] for name in SECTIONS})
    incomplete: dict[str, str] = field(default_factory=dict)  # section -> first reason
    observations: list[Item] = field(default_factory=list)
    attestations: list[Item] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    ki67: list[tuple[str, str | None, Any]] = field(default_factory=list)  # resource, focus key, value
    progressions: list[Progression] = field(default_factory=list)
    patient: dict[str, Any] = field(default_factory=dict)
    patient_keys: frozenset[str] = frozenset()
    reproductive: dict[str, Any] | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    # therapy-line group -> (agent, start, end, ongoing, line facts, resource) per member
    stated_lines: defaultdict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    # -- the report ------------------------------------------------------------------------
    def report(self, kind: IssueKind, resource: str, element: str, message: str) -> None:
        self.issues.append(ImportIssue(kind, resource, element, message))

    def unmapped(self, resource: str, element: str, message: str, *, section: str | None = None) -> None:
        """Record that a resource (or one of its elements) was not imported; a section it
        belongs to cannot then be complete, since the record would lack what the source has."""
        self.report("unmapped", resource, element, message)
        if section is not None and section not in self.incomplete:
            self.incomplete[section] = f"{resource} was not imported"

    # -- references ------------------------------------------------------------------------
    def resolve(self, reference: Any, resource: str, element: str) -> str | None:
        """The reference string, checked: one to a resource the record needs must resolve."""
        if reference is None or not reference.reference:
            return None
        target = str(reference.reference)
        kind = target.split("/")[-2] if target.count("/") >= 1 and not target.startswith("urn:") else ""
        if target not in self.references and (kind in RESOLVED_TYPES or target.startswith("urn:")):
            raise FhirError(
                f"{self.source}: {resource}",
                element,
                f"reference {target!r} does not resolve to a resource in the bundle",
                fix="include the referenced resource in the bundle, or correct the reference",
            )
        return target

    def check_subject(self, reference: Any, resource: str, element: str) -> None:
        """A resource about a patient must be about this bundle's patient."""
        target = self.resolve(reference, resource, element)
        if target is not None and self.patient_keys and target not in self.patient_keys:
            raise FhirError(
                f"{self.source}: {resource}",
                element,
                f"refers to {target!r}, not to the bundle's patient",
                fix="import one patient per bundle; remove the other patient's resources",
            )

    # -- codes -----------------------------------------------------------------------------
    def one(self, found: Iterable[str]) -> str | None:
        unique = list(dict.fromkeys(found))
        return unique[0] if len(unique) == 1 else None

    def site(self, concept: Any, resource: str, element: str) -> str | None:
        """The site code a body-site CodeableConcept denotes, or None (reported)."""
        if concept is None:
            return None
        for system, code, _ in codings(concept):
            if system == td_system("site") and code in self.index.knowledge.sites:
                return code
        for system, code, _ in codings(concept):
            key = ("icdo3", code.upper()) if system == ICDO3 else ("snomed", code) if system == SNOMED else None
            if key and (site := self.one(self.index.sites.get(key, ()))):
                return site
        self.report(
            "unmapped", resource, element, f"body site {describe_codes(concept)} is not in the sites vocabulary"
        )
        return None
