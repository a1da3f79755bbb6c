"""Fixtures of the FHIR tests: the mapping tables and a small bundle builder."""

from __future__ import annotations

from typing import Any

import pytest

from trialdesk.ingest.fhir.terms import CodeIndex, FhirTerms, build_code_index, load_fhir_terms
from trialdesk.knowledge.base import Knowledge


@pytest.fixture(scope="session")
def terms() -> FhirTerms:
    return load_fhir_terms()


@pytest.fixture(scope="session")
def index(knowledge: Knowledge, terms: FhirTerms) -> CodeIndex:
    return build_code_index(knowledge, terms)


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1971-03-02"}
SUBJECT = {"reference": "Patient/p1"}


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    """A bundle of the synthetic patient p1 and `resources`."""
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in (PATIENT, *resources)]}


def quantity(value: float, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit or code, "system": "http://unitsofmeasure.org", "code": code}


def lab(rid: str, loinc: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2026-11-16T08:30:00+01:00",
        **value,
    }


def medication(rid: str, text: str, start: str, end: str | None = None, **extra: Any) -> dict[str, Any]:
    period = {"start": start, **({"end": end} if end else {})}
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": extra.pop("status", "completed"),
        "medicationCodeableConcept": {"text": text},
        "subject": SUBJECT,
        "effectivePeriod": period,
        **extra,
    }
