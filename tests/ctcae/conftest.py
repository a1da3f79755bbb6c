"""Fixtures for CTCAE v5.0 grading: the criteria, and a one-line way to grade one value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

import pytest

from trialdesk.ctcae import CtcaeCriteria, GradeResult, LabObservation, grade_term, load_ctcae_criteria
from trialdesk.knowledge.base import Knowledge


class Grade(Protocol):
    def __call__(self, term: str, lab: str, value: str | Decimal, unit: str, **fields: Any) -> GradeResult: ...


def observation(lab: str, value: str | Decimal, unit: str, **fields: Any) -> LabObservation:
    data = {"subject_id": "S01", "date": "2026-03-02", "lab": lab, "value": value, "unit": unit, **fields}
    return LabObservation.model_validate(data)


@pytest.fixture(scope="session")
def criteria(knowledge: Knowledge) -> CtcaeCriteria:
    return load_ctcae_criteria(knowledge)


@pytest.fixture(scope="session")
def grade(knowledge: Knowledge, criteria: CtcaeCriteria) -> Grade:
    def _grade(term: str, lab: str, value: str | Decimal, unit: str, **fields: Any) -> GradeResult:
        return grade_term(criteria.term(term), observation(lab, value, unit, **fields), knowledge, criteria)

    return _grade
