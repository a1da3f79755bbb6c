"""Mapping FHIR R4 resources into the patient record, one rule per test. Codes are checked
against their published meaning (LOINC, UCUM, CVX, ATC), cited at each test."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF
from tests.ingest.conftest import SUBJECT, bundle, lab, medication, quantity
from trialdesk.errors import FhirError
from trialdesk.ingest.fhir import import_fhir, import_fhir_file
from trialdesk.ingest.fhir.terms import LIST_EMPTY_REASON, td_system
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener


def test_patient_demographics(knowledge: Knowledge) -> None:
    patient = import_fhir(bundle(), knowledge).patient
    assert (patient.id, patient.sex, str(patient.birth_date)) == ("p1", "female", "1971-03-02")


def test_lab_in_ucum_units_keeps_its_reference_range(knowledge: Knowledge) -> None:
    # LOINC 718-7 Hemoglobin [Mass/volume] in Blood; UCUM g/dL
    hb = lab(
        "hb",
        "718-7",
        valueQuantity=quantity(11.8, "g/dL"),
        referenceRange=[{"low": quantity(12, "g/dL"), "high": quantity(15.5, "g/dL")}],
    )
    obs = import_fhir(bundle(hb), knowledge).patient.observations[0]
    assert (obs.code, obs.value, obs.unit, str(obs.date)) == ("718-7", Decimal("11.8"), "g/dL", "2026-11-16")
    assert obs.reference_range is not None
    assert obs.reference_range.high == Decimal("15.5")


def test_ucum_code_maps_to_an_accepted_spelling(knowledge: Knowledge) -> None:
    # UCUM writes 10^3 per microlitre as 10*3/uL; labs.yaml spells it 10^3/uL
    plt = lab("plt", "777-3", valueQuantity=quantity(210, "10*3/uL", "x10E3/uL"))
    assert import_fhir(bundle(plt), knowledge).patient.observations[0].unit == "10^3/uL"


@pytest.mark.parametrize(
    ("value", "why"),
    [({"value": 11.8}, "without a unit"), (quantity(11.8, "g/mL"), "does not convert")],
)
def test_quantity_without_or_in_unknown_unit_is_reported(value: dict[str, Any], why: str, knowledge: Knowledge) -> None:
    imported = import_fhir(bundle(lab("hb", "718-7", valueQuantity=value)), knowledge)
    assert imported.patient.observations == ()
    (issue,) = imported.report.issues
    assert issue.resource == "Observation/hb"
    assert issue.element.startswith("Observation.valueQuantity")
    assert why in issue.message


def test_uln_lab_without_reference_range_is_a_caution(knowledge: Knowledge) -> None:
    # NCT07077564 / NCT07520357 threshold ALT (LOINC 1742-6) in x ULN
    imported = import_fhir(bundle(lab("alt", "1742-6", valueQuantity=quantity(38, "U/L"))), knowledge)
    assert len(imported.patient.observations) == 1
    (issue,) = imported.report.of_kind("caution")
    assert (issue.resource, issue.element) == ("Observation/alt", "Observation.referenceRange")


def test_qualitative_result_by_snomed(knowledge: Knowledge) -> None:
    # LOINC 5196-1 HBsAg [Presence]; SNOMED CT 260385009 Negative
    hbsag = lab(
        "hbs", "5196-1", valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]}
    )
    assert import_fhir(bundle(hbsag), knowledge).patient.observations[0].result == "negative"


def test_ecog_value_integer(knowledge: Knowledge) -> None:
    # LOINC 89247-1 ECOG Performance Status score, answered 0-5
    obs = import_fhir(bundle(lab("ecog", "89247-1", valueInteger=1)), knowledge).patient.observations[0]
    assert (obs.value, obs.unit) == (1, "{score}")


def test_ki67_attaches_to_the_primary_cancer(knowledge: Knowledge) -> None:
    primary = {
        "resourceType": "Condition",
        "id": "dx",
        "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]},
        "extension": [
            {
                "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                "valueCodeableConcept": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "8013/3"}]
                },
            }
        ],
        "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "15776009"}]}],
        "subject": SUBJECT,
        "onsetDateTime": "2025-02-20",
    }
    # LOINC 29593-1 Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain
    ki67 = lab("ki", "29593-1", valueQuantity=quantity(70, "%"), focus=[{"reference": "Condition/dx"}])
    (dx,) = import_fhir(bundle(primary, ki67), knowledge).patient.diagnoses.items
    # ICD-O-3 8013/3 is large cell neuroendocrine carcinoma; SNOMED 15776009 pancreatic structure
    assert (dx.histology, dx.primary_site, dx.ki67_percent) == ("lcnec", "pancreas", 70)


def test_unknown_drug_stays_unknown_and_is_reported(knowledge: Knowledge) -> None:
    imported = import_fhir(bundle(medication("m1", "XYZ-123", "2026-01-01")), knowledge)
    assert imported.patient.medications.items[0].agent == "XYZ-123"
    assert any("XYZ-123" in i.message for i in imported.report.of_kind("caution"))


def test_drug_by_atc_code(knowledge: Knowledge) -> None:
    # WHO ATC L01XA01 cisplatin; no text given
    statement = medication("m1", "x", "2025-03-20", "2025-08-01")
    statement["medicationCodeableConcept"] = {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01XA01"}]}
    (line,) = import_fhir(bundle(statement), knowledge).patient.therapies.items
    assert line.agents == ("cisplatin",)


def test_immunization_cvx_liveness(knowledge: Knowledge) -> None:
    # CDC CVX 03 = MMR, a live attenuated vaccine
    mmr = {
        "resourceType": "Immunization",
        "id": "i1",
        "status": "completed",
        "patient": SUBJECT,
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "03"}]},
        "occurrenceDateTime": "2026-10-01",
    }
    (vaccination,) = import_fhir(bundle(mmr), knowledge).patient.vaccinations.items
    found = knowledge.find_vaccine(vaccination.vaccine)
    assert found is not None
    assert found.live


def _history_list(*items: str, empty: str | None = None) -> dict[str, Any]:
    lst: dict[str, Any] = {
        "resourceType": "List",
        "id": "h",
        "status": "current",
        "mode": "snapshot",
        "date": "2026-11-16",
        "code": {"coding": [{"system": td_system("section"), "code": "history"}]},
        "subject": SUBJECT,
    }
    if items:
        lst["entry"] = [{"item": {"reference": i}} for i in items]
    if empty:
        lst["emptyReason"] = {"coding": [{"system": LIST_EMPTY_REASON, "code": empty}]}
    return lst


def test_reviewed_empty_against_never_collected(knowledge: Knowledge) -> None:
    reviewed = import_fhir(bundle(_history_list(empty="nilknown")), knowledge).patient.history
    not_asked = import_fhir(bundle(_history_list(empty="notasked")), knowledge).patient.history
    assert (reviewed.complete, reviewed.items) == (True, ())
    assert not_asked.complete is False


def test_unmapped_item_makes_its_section_incomplete(knowledge: Knowledge) -> None:
    unknown = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": SUBJECT,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z99.9"}]},
    }
    imported = import_fhir(bundle(unknown, _history_list("Condition/c1")), knowledge)
    assert imported.patient.history.complete is False
    assert imported.report.of_kind("incomplete")[0].element == "history"


def test_icd10_condition_maps_through_the_vocabulary(knowledge: Knowledge) -> None:
    # ICD-10 I10 essential (primary) hypertension
    cond = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": SUBJECT,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10"}]},
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
        },
    }
    (item,) = import_fhir(bundle(cond), knowledge).patient.history.items
    assert (item.category, item.status) == ("hypertension", "active")


def test_partial_birth_date_is_reported(knowledge: Knowledge) -> None:
    data = bundle()
    data["entry"][0]["resource"] = {**data["entry"][0]["resource"], "birthDate": "1971"}
    imported = import_fhir(data, knowledge)
    assert imported.patient.birth_date is None
    assert imported.report.issues[0].element == "Patient.birthDate"


def test_ndjson_file(tmp_path: Path, knowledge: Knowledge) -> None:
    path = tmp_path / "patient.ndjson"
    resources = bundle(lab("hb", "718-7", valueQuantity=quantity(118, "g/L")))["entry"]
    path.write_text("\n".join(json.dumps(e["resource"]) for e in resources) + "\n", encoding="utf-8")
    assert import_fhir_file(path, knowledge).patient.observations[0].value == 118


@pytest.mark.parametrize(
    ("data", "element", "fix"),
    [
        ({"resourceType": "Bundle", "type": "history", "entry": []}, "Bundle.type", "collection"),
        ({"resourceType": "Bundle", "type": "collection", "entry": []}, "Patient", "one patient"),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patiant"}}]},
            "resourceType",
            "resourceType",
        ),
        ({"id": "x"}, "resourceType", "Bundle"),
    ],
)
def test_malformed_input_gets_a_clear_error(data: dict[str, Any], element: str, fix: str, knowledge: Knowledge) -> None:
    with pytest.raises(FhirError) as caught:
        import_fhir(data, knowledge)
    assert caught.value.element == element
    assert fix in (caught.value.fix or "")


def test_subject_of_another_patient_is_refused(knowledge: Knowledge) -> None:
    other = lab("hb", "718-7", valueQuantity=quantity(118, "g/L"), subject={"reference": "Patient/p2"})
    with pytest.raises(FhirError, match="does not resolve"):
        import_fhir(bundle(other), knowledge)


def test_a_medication_without_an_end_leaves_the_washout_unknown(
    knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    """NCT07520357 excludes therapy within the shorter of 3 weeks and 5 half-lives before
    the first dose. Cisplatin started on 2026-09-01 and completed, end not given: it may
    have been given until last week, so the line's last dose is unknown (not its start)
    and the screener asks for it. With the end stated, the last dose is read and only the
    review of the therapies section is still needed."""

    def washout(statement: dict[str, Any]) -> tuple[Any, ...]:
        imported = import_fhir(bundle(statement), knowledge)
        view = build_view(imported.patient, knowledge, AS_OF)
        result = Screener(protocols["NCT07520357"], knowledge).screen(view, AS_OF, None)
        criterion = next(c for c in result.criteria if c.id == "washout")
        return imported.patient.therapies.items[0], imported.report, criterion

    line, report, criterion = washout(medication("m1", "cisplatin", "2026-09-01"))
    assert (line.first_dose, line.last_dose, line.ongoing) == (date(2026, 9, 1), None, False)
    assert any("last dose of cisplatin is not known" in i.message for i in report.of_kind("caution"))
    assert criterion.verdict == "unknown"
    assert [n.key for n in criterion.needs] == ["record:$.therapies.items[0].last_dose"]

    line, report, criterion = washout(medication("m1", "cisplatin", "2026-06-01", "2026-08-01"))
    assert line.last_dose == date(2026, 8, 1)
    assert not any("last dose" in i.message for i in report.of_kind("caution"))
    assert [n.key for n in criterion.needs] == ["section:therapies"]
