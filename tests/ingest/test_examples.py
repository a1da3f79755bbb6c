"""Each synthetic bundle in examples/fhir screens end to end with the same verdicts as its
trialdesk JSON twin in examples/patients (the twin's verdicts are the reference: P01 is
eligible for both trials on 2026-11-20, README "A five-minute tour")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT
from trialdesk.errors import FhirError
from trialdesk.ingest.fhir import import_fhir_file
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import load_patient, load_patient_with_report
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

FHIR = ROOT / "examples" / "fhir"
TWINS = {
    "p01-eligible-both.fhir.json": "p01-eligible-both.json",
    "p01-other-units.fhir.json": "p01-eligible-both.json",
    "p01-unmapped-codes.fhir.json": "p01-eligible-both.json",
}


def _verdicts(path: Path, knowledge: Knowledge, protocol: LoadedProtocol) -> tuple[str, dict[str, str]]:
    result = Screener(protocol, knowledge).screen(build_view(load_patient(path), knowledge, AS_OF), AS_OF, None)
    return result.status, {c.id: c.verdict for c in result.criteria}


@pytest.mark.parametrize("bundle", sorted(TWINS))
@pytest.mark.parametrize("trial", ["NCT07077564", "NCT07520357"])
def test_bundle_screens_like_its_twin(
    bundle: str, trial: str, knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    twin = ROOT / "examples" / "patients" / TWINS[bundle]
    assert _verdicts(FHIR / bundle, knowledge, protocols[trial]) == _verdicts(twin, knowledge, protocols[trial])
    assert _verdicts(twin, knowledge, protocols[trial])[0] == "eligible"


def test_other_units_are_converted(knowledge: Knowledge) -> None:
    # 3200 /uL = 3.2 x 10^9/L; 0.95 mg/dL creatinine = 84 umol/L (x 88.4, labs.yaml citation)
    patient = import_fhir_file(FHIR / "p01-other-units.fhir.json", knowledge).patient
    view = build_view(patient, knowledge, AS_OF)
    assert view.latest("anc")[0].value == 3200 * knowledge.unit_factor("anc", "/uL")  # type: ignore[operator]
    assert round(view.latest("creatinine")[0].value or 0) == 84
    # the blood-pressure panel (LOINC 85354-9) gives both of its components
    assert view.latest("systolic_bp")[0].value == 128
    assert view.latest("diastolic_bp")[0].value == 79


def test_unmapped_codes_are_reported_by_resource(knowledge: Knowledge) -> None:
    report = import_fhir_file(FHIR / "p01-unmapped-codes.fhir.json", knowledge).report
    unmapped = {issue.resource: issue for issue in report.of_kind("unmapped")}
    assert set(unmapped) == {"Observation/ferritin-1", "Encounter/enc-1", "Observation/crp-1"}
    assert "2276-4" in unmapped["Observation/ferritin-1"].message
    assert unmapped["Observation/ferritin-1"].element == "Observation.code"
    # the mCODE CancerDiseaseStatus (worsened, 2026-10-20) agrees with the progression the
    # stated line records; with no evidence type, radiological progression stays unknown
    (caution,) = [issue for issue in report.issues if issue.resource == "Observation/status-1"]
    assert caution.kind == "caution"


def test_screen_shows_the_report_as_warnings() -> None:
    _, warnings = load_patient_with_report(FHIR / "p01-unmapped-codes.fhir.json")
    assert any("ferritin-1" in w for w in warnings)


@pytest.mark.parametrize(
    ("bundle", "resource", "element"),
    [
        ("malformed-missing-status.fhir.json", "Observation/reproductive-no-status", "Observation.status"),
        ("malformed-broken-reference.fhir.json", "List/section-history", "List.entry[0].item"),
    ],
)
def test_malformed_bundles_name_resource_and_path(
    bundle: str, resource: str, element: str, knowledge: Knowledge
) -> None:
    with pytest.raises(FhirError) as caught:
        import_fhir_file(FHIR / bundle, knowledge)
    assert resource in caught.value.resource
    assert caught.value.element == element
    assert caught.value.fix
