"""Tumour-size changes from the lesion reads: one test per step of
`derive_tumour_size_changes`, and the example datasets' reads against their responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.lesions import dataset, subject_with_reads
from trialdesk.analysis import load_trial_dataset
from trialdesk.analysis.tumour_size import derive_tumour_size_changes
from trialdesk.errors import AnalysisError
from trialdesk.recist import SubjectRecord, time_point_responses

EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"


def test_step_1_and_2_change_is_the_sum_against_baseline_to_a_tenth() -> None:
    # 40 → 26 mm: (26 − 40) / 40 = −35.0 %; 40 → 27 mm: −32.5 %
    data = dataset(subject_with_reads("A", [("2026-03-02", "PR", 26), ("2026-04-27", "PR", 27)]))
    (course,) = derive_tumour_size_changes(data.subjects, {"A": "PR"}).courses
    assert [c.percent for c in course.changes] == [-35.0, -32.5]
    assert [c.days for c in course.changes] == [56, 112]
    assert course.best_percent_change == -35.0


def test_step_2_an_incomplete_sum_is_left_out() -> None:
    data = dataset(subject_with_reads("A", [("2026-03-02", "NE", None), ("2026-04-27", "SD", 36)]))
    (course,) = derive_tumour_size_changes(data.subjects, {}).courses
    assert [c.percent for c in course.changes] == [-10.0]
    assert course.best_response == "NE"  # no best response given: NE


def test_step_3_subjects_left_out_say_why() -> None:
    data = dataset(
        subject_with_reads("A", []),  # baseline only
        subject_with_reads("B", [("2026-03-02", "NE", None)]),
        subject_with_reads("C", [("2026-03-02", "SD", 40)]) | {"lesion_measurements": []},
    )
    changes = derive_tumour_size_changes(data.subjects, {})
    assert changes.courses == ()
    assert dict(changes.excluded) == {
        "A": "no post-baseline measurement",
        "B": "no post-baseline read of every target lesion",
        "C": "no lesion measurements",
    }
    assert "A (no post-baseline measurement)" in changes.excluded_text()


def test_a_recist_problem_names_subject_and_field() -> None:
    # a baseline target lesion of 8 mm is not measurable (RECIST 1.1 §3.1)
    data = dataset(subject_with_reads("A", [("2026-03-02", "SD", 8)], baseline_mm=8))
    with pytest.raises(AnalysisError, match="subject A, lesion_measurements"):
        derive_tumour_size_changes(data.subjects, {})


@pytest.mark.parametrize("trial", ["NCT07077564", "NCT07520357"])
def test_example_reads_give_the_recorded_time_point_responses(trial: str) -> None:
    """generate.py draws lesion reads until RECIST 1.1 gives the recorded responses: check it."""
    for subject in load_trial_dataset(EXAMPLES / f"{trial}.json").subjects:
        assert subject.first_dose_date is not None
        record = SubjectRecord(
            id=subject.subject_id, start_date=subject.first_dose_date, assessments=subject.lesion_measurements
        )
        derived = [(p.date, str(p.overall)) for p in time_point_responses(record)]
        assert derived == [(a.date, a.response) for a in subject.assessments]
