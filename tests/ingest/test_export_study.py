"""Protocols as FHIR R4 ResearchStudy + Group, screenings as ResearchSubject + Observations;
both validated by fhir.resources R4B on the way out and checked here against the protocol."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from tests.conftest import AS_OF, EXAMPLES
from trialdesk.ingest.fhir.export_study import protocol_bundle, screening_bundle
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import load_patient
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener


def test_protocol_as_research_study(knowledge: Knowledge, protocols: dict[str, LoadedProtocol]) -> None:
    loaded = protocols["NCT07520357"]
    bundle = protocol_bundle(loaded, knowledge)
    Bundle.model_validate(bundle)
    study, group = (e["resource"] for e in bundle["entry"])
    assert study["identifier"][0]["value"] == "NCT07520357"
    assert study["enrollment"][0]["reference"] == bundle["entry"][1]["fullUrl"]
    assert len(group["characteristic"]) == len(loaded.protocol.criteria)
    by_id = {c["code"]["coding"][0]["code"]: c for c in group["characteristic"]}
    anc = by_id["anc"]
    # the criterion's verbatim source sentence, its rule, and LOINC 751-8 for ANC
    assert anc["code"]["text"] == next(c.source for c in loaded.protocol.criteria if c.id == "anc")
    assert any(coding["code"] == "751-8" for coding in anc["valueCodeableConcept"]["coding"])
    assert {c["exclude"] for c in group["characteristic"]} == {True, False}


def test_screening_as_research_subject(knowledge: Knowledge, protocols: dict[str, LoadedProtocol]) -> None:
    patient = load_patient(EXAMPLES / "p02-eligible-one-trial.json")
    result = Screener(protocols["NCT07520357"], knowledge).screen(build_view(patient, knowledge, AS_OF), AS_OF, None)
    bundle = screening_bundle(result)
    subject, *verdicts = (e["resource"] for e in bundle["entry"])
    # README: P02 is ineligible for NCT07520357 on haemoglobin (85 g/L < 90 g/L)
    assert subject["status"] == "ineligible"
    assert len(verdicts) == len(result.criteria)
    failed = [
        v["code"]["coding"][0]["code"] for v in verdicts if v["valueCodeableConcept"]["coding"][0]["code"] == "fail"
    ]
    assert failed == ["hemoglobin"]
    assert all(v["focus"][0]["reference"] == bundle["entry"][0]["fullUrl"] for v in verdicts)
