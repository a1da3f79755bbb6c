"""mCODE CancerDiseaseStatus -> a therapy line's progression.

The profile, its codes and its value sets are those of the mCODE implementation guide:
https://hl7.org/fhir/us/mcode/StructureDefinition-mcode-cancer-disease-status.html (STU4:
Observation.code LOINC 97509-4; value from the condition status trend value set, SNOMED CT
271299001 "Patient's condition worsened", 359746009 "Patient's condition stable", ...;
evidence type extension mcode-cancer-disease-status-evidence-type, SNOMED CT 363679005
"Imaging (procedure)"), and for STU1
https://hl7.org/fhir/us/mcode/STU1/StructureDefinition-mcode-cancer-disease-status.html
(LOINC 88040-1 "Response to cancer treatment"; evidence type extension mcode-evidence-type,
with 711015009 "Assessment of symptom control (procedure)").
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import AS_OF
from tests.ingest.conftest import SUBJECT, bundle, medication
from trialdesk.criteria.evaluate import Context, Settings, evaluate
from trialdesk.criteria.parse import parse_rule
from trialdesk.ingest.fhir import FhirImport, import_fhir
from trialdesk.ingest.fhir.medications import THERAPY_LINE
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.record import Patient, TherapyLine
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

SCT = "http://snomed.info/sct"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
EVIDENCE_TYPE = MCODE + "mcode-cancer-disease-status-evidence-type"  # STU2 onwards
EVIDENCE_TYPE_STU1 = MCODE + "mcode-evidence-type"

WORSENED, STABLE = "271299001", "359746009"
IMAGING, SYMPTOMS = "363679005", "711015009"

# needs radiological progression after platinum: not a rule of a shipped protocol, written
# here the way a protocol would ("radiological progression after platinum-based chemotherapy")
RADIOLOGICAL = "any(therapy, agent.class = platinum and progressed and radiological_progression)"


def disease_status(
    rid: str,
    value: str,
    on: str,
    *evidence: str,
    loinc: str = "97509-4",
    evidence_url: str = EVIDENCE_TYPE,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "meta": {"profile": [MCODE + "mcode-cancer-disease-status"]},
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": SUBJECT,
        "effectiveDateTime": on,
        "valueCodeableConcept": {"coding": [{"system": SCT, "code": value}]},
    }
    if evidence:
        resource["extension"] = [
            {"url": evidence_url, "valueCodeableConcept": {"coding": [{"system": SCT, "code": code}]}}
            for code in evidence
        ]
    return resource


# First line carboplatin + etoposide (ATC L01XA02 / L01CB01; carboplatin is a platinum in
# drugs.yaml), given 2025-03-01 to 2025-06-30; no line is stated, so it is grouped by date.
PLATINUM_LINE = (
    medication("carbo", "carboplatin", "2025-03-01", "2025-06-30"),
    medication("etop", "etoposide", "2025-03-01", "2025-06-30"),
)


def imported(*resources: dict[str, Any], knowledge: Knowledge) -> FhirImport:
    return import_fhir(bundle(*resources), knowledge)


def only_line(patient: Patient) -> TherapyLine:
    (line,) = patient.therapies.items
    return line


def verdict(patient: Patient, protocol: LoadedProtocol, knowledge: Knowledge, criterion: str) -> str:
    result = Screener(protocol, knowledge).screen(build_view(patient, knowledge, AS_OF), AS_OF, None)
    return next(c.verdict for c in result.criteria if c.id == criterion)


def truth(rule: str, patient: Patient, knowledge: Knowledge) -> bool | None:
    view = build_view(patient, knowledge, AS_OF)
    return evaluate(parse_rule(rule), Context(view, knowledge, AS_OF, AS_OF, Settings())).truth


def test_worsened_on_imaging_is_progression_of_the_platinum_line(
    knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    # NCT07520357 prior_platinum: "progressed after first-line platinum-based chemotherapy"
    protocol = protocols["NCT07520357"]
    before = imported(*PLATINUM_LINE, knowledge=knowledge).patient
    assert only_line(before).progressed is None
    assert verdict(before, protocol, knowledge, "prior_platinum") == "unknown"

    status = disease_status("cds", WORSENED, "2025-09-15T10:00:00+02:00", IMAGING)
    result = imported(*PLATINUM_LINE, status, knowledge=knowledge)
    line = only_line(result.patient)
    assert line.agents == ("carboplatin", "etoposide")
    assert (line.progressed, line.progression_on) == (True, date(2025, 9, 15))  # the effectiveDateTime's day
    assert (line.progression_evidence, line.radiological_progression) == (("imaging",), True)
    assert verdict(result.patient, protocol, knowledge, "prior_platinum") == "pass"
    assert truth(RADIOLOGICAL, result.patient, knowledge) is True
    # placing a status on a line is an inference: mCODE does not link it to a treatment
    (placed,) = [i for i in result.report.issues if i.resource == "Observation/cds"]
    assert placed.kind == "inferred"
    assert "2025-09-15" in placed.message
    assert "line 1" in placed.message


def test_worsened_on_symptoms_only_does_not_show_radiological_progression(
    knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    status = disease_status("cds", WORSENED, "2025-09-15", SYMPTOMS, evidence_url=EVIDENCE_TYPE_STU1)
    result = imported(*PLATINUM_LINE, status, knowledge=knowledge)
    line = only_line(result.patient)
    assert (line.progressed, line.progression_evidence) == (True, ("symptoms",))
    # clinical worsening says nothing of what imaging shows: unknown, never false
    assert line.radiological_progression is None
    assert truth(RADIOLOGICAL, result.patient, knowledge) is None
    # a criterion that asks only for progression is met by the clinician's judgement
    assert verdict(result.patient, protocols["NCT07520357"], knowledge, "prior_platinum") == "pass"
    (caution,) = result.report.of_kind("caution")
    assert caution.resource == "Observation/cds"
    assert "symptoms" in caution.message
    assert "radiological" in caution.message


def test_worsened_without_evidence_type_is_progression_not_known_radiological(knowledge: Knowledge) -> None:
    result = imported(*PLATINUM_LINE, disease_status("cds", WORSENED, "2025-09-15"), knowledge=knowledge)
    line = only_line(result.patient)
    assert (line.progressed, line.progression_evidence, line.radiological_progression) == (True, None, None)
    assert truth(RADIOLOGICAL, result.patient, knowledge) is None


def test_unknown_status_code_is_reported_unmapped(knowledge: Knowledge) -> None:
    # SNOMED CT 10828004 "Positive" (fhir_terms.yaml results): a code, but not a disease status
    result = imported(*PLATINUM_LINE, disease_status("cds", "10828004", "2025-09-15"), knowledge=knowledge)
    assert only_line(result.patient).progressed is None
    (issue,) = [i for i in result.report.of_kind("unmapped") if i.resource == "Observation/cds"]
    assert issue.element == "Observation.valueCodeableConcept"
    assert "10828004" in issue.message


def test_unknown_evidence_type_keeps_the_progression_but_not_as_radiological(knowledge: Knowledge) -> None:
    # SNOMED CT 86273004 Biopsy (fhir_terms.yaml procedures) is not in the evidence table
    result = imported(*PLATINUM_LINE, disease_status("cds", WORSENED, "2025-09-15", "86273004"), knowledge=knowledge)
    line = only_line(result.patient)
    assert (line.progressed, line.radiological_progression) == (True, None)
    (issue,) = result.report.of_kind("unmapped")
    assert (issue.resource, issue.element) == ("Observation/cds", "Observation.extension[0]")
    assert "86273004" in issue.message


def test_stu1_code_88040_1_is_a_disease_status(knowledge: Knowledge) -> None:
    # mCODE STU1 fixed Observation.code to LOINC 88040-1 "Response to cancer treatment"
    status = disease_status("cds", WORSENED, "2025-09-15", IMAGING, loinc="88040-1", evidence_url=EVIDENCE_TYPE_STU1)
    del status["meta"]  # recognised by its code alone
    line = only_line(imported(*PLATINUM_LINE, status, knowledge=knowledge).patient)
    assert (line.progressed, line.progression_on, line.radiological_progression) == (True, date(2025, 9, 15), True)


@pytest.mark.parametrize(("code", "word"), [(STABLE, "stable"), ("268910001", "improved")])
def test_other_statuses_are_read_but_not_used(code: str, word: str, knowledge: Knowledge) -> None:
    result = imported(*PLATINUM_LINE, disease_status("cds", code, "2025-09-15", IMAGING), knowledge=knowledge)
    assert only_line(result.patient).progressed is None
    (issue,) = [i for i in result.report.issues if i.resource == "Observation/cds"]
    assert issue.kind == "unmapped"
    assert all(part in issue.message for part in (word, code, "not used"))


def test_progression_goes_to_the_line_started_most_recently_before_it(
    knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    # second line irinotecan from 2025-10-01: worsening on 2026-01-10 is progression on it,
    # not on the platinum line, so "progressed after platinum" stays unknown
    second = medication("iri", "irinotecan", "2025-10-01", "2025-12-20")
    status = disease_status("cds", WORSENED, "2026-01-10", IMAGING)
    patient = imported(*PLATINUM_LINE, second, status, knowledge=knowledge).patient
    first, later = patient.therapies.items
    assert first.progressed is None
    assert (later.agents, later.progressed, later.progression_on) == (("irinotecan",), True, date(2026, 1, 10))
    assert verdict(patient, protocols["NCT07520357"], knowledge, "prior_platinum") == "unknown"


def test_progression_before_any_line_is_not_placed(knowledge: Knowledge) -> None:
    result = imported(*PLATINUM_LINE, disease_status("cds", WORSENED, "2025-01-10", IMAGING), knowledge=knowledge)
    assert only_line(result.patient).progressed is None
    (issue,) = result.report.of_kind("unmapped")
    assert issue.resource == "Observation/cds"
    assert "no therapy line started before" in issue.message


def test_a_line_recorded_as_not_progressed_is_left_unknown(knowledge: Knowledge) -> None:
    stated = {
        "url": THERAPY_LINE,
        "extension": [{"url": "line", "valueInteger": 1}, {"url": "progressed", "valueBoolean": False}],
    }
    line = medication("carbo", "carboplatin", "2025-03-01", "2025-06-30", extension=[stated])
    # the source contradicts itself: unknown, whichever it says last (a second status must
    # not undo the unknown the first contradiction left)
    first = disease_status("cds", WORSENED, "2025-09-15", IMAGING)
    second = disease_status("cds-2", WORSENED, "2025-11-02", IMAGING)
    result = imported(line, first, second, knowledge=knowledge)
    assert only_line(result.patient).progressed is None
    cautions = result.report.of_kind("caution")
    assert [c.resource for c in cautions] == ["Observation/cds", "Observation/cds-2"]
    assert all("not progressed" in c.message for c in cautions)


def test_a_status_agreeing_with_the_stated_line_adds_its_evidence(knowledge: Knowledge) -> None:
    facts = [{"url": "line", "valueInteger": 1}, {"url": "progressed", "valueBoolean": True}]
    facts.append({"url": "progression_on", "valueDate": "2025-09-15"})
    line = medication(
        "carbo", "carboplatin", "2025-03-01", "2025-06-30", extension=[{"url": THERAPY_LINE, "extension": facts}]
    )
    result = imported(line, disease_status("cds", WORSENED, "2025-09-15", IMAGING), knowledge=knowledge)
    therapy = only_line(result.patient)
    assert (therapy.progression_on, therapy.progression_evidence) == (date(2025, 9, 15), ("imaging",))
    assert therapy.radiological_progression is True
    assert not [i for i in result.report.issues if i.resource == "Observation/cds"]
