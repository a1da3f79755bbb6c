"""A subject's worst CTCAE grade per term over a period."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ctcae.conftest import observation
from trialdesk.ctcae import CtcaeCriteria, GradeResult, grade_labs, worst_grades
from trialdesk.errors import CtcaeError
from trialdesk.knowledge.base import Knowledge


@pytest.fixture
def results(knowledge: Knowledge, criteria: CtcaeCriteria) -> tuple[GradeResult, ...]:
    # CTCAE v5.0 "Neutrophil count decreased" grades: 1.2 → 2, 0.8 → 3, 0.9 → 3, 0.4 → 4
    rows = [
        observation("anc", "1.2", "10^9/L", date="2026-01-05", reference_low="1.8"),
        observation("anc", "0.8", "10^9/L", date="2026-01-19", reference_low="1.8"),
        observation("anc", "0.9", "10^9/L", date="2026-01-26", reference_low="1.8"),
        observation("anc", "0.4", "10^9/L", date="2026-03-02", reference_low="1.8"),
        observation("sodium", "127", "mmol/L", date="2026-01-12", reference_low="135", reference_high="145"),
        observation("anc", "1.0", "10^9/L", date="2026-01-19", reference_low="1.8", subject_id="S02"),
    ]
    return grade_labs(rows, knowledge, criteria)


def test_worst_grade_in_period_is_the_highest_and_earliest(results: tuple[GradeResult, ...]) -> None:
    worst = {(w.subject_id, w.term): w for w in worst_grades(results, date(2026, 1, 1), date(2026, 1, 31))}
    anc = worst[("S01", "Neutrophil count decreased")]
    assert (anc.grade, anc.on, anc.results) == (3, date(2026, 1, 19), 3)  # 0.4 on 2 March is outside
    assert worst[("S02", "Neutrophil count decreased")].grade == 2
    assert "worst grade 3 on 2026-01-19 (of 3 results)" in str(anc)


def test_period_bounds_are_inclusive(results: tuple[GradeResult, ...]) -> None:
    (anc,) = [w for w in worst_grades(results, date(2026, 3, 2), date(2026, 3, 2)) if w.term.startswith("Neutrophil")]
    assert anc.grade == 4


def test_highest_reading_keeps_what_clinical_facts_could_give(results: tuple[GradeResult, ...]) -> None:
    """CTCAE v5.0 "Hyponatremia" 127 mmol/L: grade 2 asymptomatic, grade 3 symptomatic."""
    worst = worst_grades(results, date(2026, 1, 1), date(2026, 1, 31), subject_id="S01")
    (sodium,) = [w for w in worst if w.term == "Hyponatremia"]
    assert (sodium.grade, sodium.highest_reading) == (2, 3)
    assert {w.subject_id for w in worst} == {"S01"}
    assert sodium.to_dict()["worst"]["grades"] == [2, 3]


def test_start_after_end_is_an_error(results: tuple[GradeResult, ...]) -> None:
    with pytest.raises(CtcaeError) as caught:
        worst_grades(results, date(2026, 2, 1), date(2026, 1, 1))
    assert caught.value.field == "start"
