"""PFS, OS and DOR censoring, one test per rule of `derive_progression_free_survival`.
The rules follow the PFS table of the FDA guidance "Clinical Trial Endpoints for the
Approval of Cancer Drugs and Biologics" (December 2018); the dates are built here so that
each expected date can be read off the subject."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trialdesk.analysis import (
    CensoringRules,
    TimePointAssessment,
    TrialSubject,
    derive_overall_survival,
    derive_progression_free_survival,
    derive_time_on_treatment,
)
from trialdesk.errors import AnalysisError

d = dt.date
START = d(2026, 1, 1)
RULES = CensoringRules(assessment_interval_days=56, visit_window_days=7, missed_assessments=2)


def person(*assessments: tuple[dt.date, str], **fields: Any) -> TrialSubject:
    return TrialSubject(
        subject_id="001",
        enrolment_date=START,
        first_dose_date=START,
        assessments=tuple(TimePointAssessment(date=when, response=r) for when, r in assessments),
        last_known_alive_date=fields.pop("last_known_alive_date", d(2026, 12, 1)),
        **fields,
    )


def pfs(subject: TrialSubject, rules: CensoringRules = RULES) -> tuple[dt.date, bool]:
    result = derive_progression_free_survival(subject, origin=START, rules=rules)
    return result.date, result.event


def test_step_1_progression_is_the_event() -> None:
    subject = person((d(2026, 2, 26), "SD"), (d(2026, 4, 23), "PD"))
    assert pfs(subject) == (d(2026, 4, 23), True)


def test_step_1_death_before_progression_is_the_event() -> None:
    subject = person((d(2026, 2, 26), "SD"), death_date=d(2026, 3, 20), last_known_alive_date=d(2026, 3, 20))
    assert pfs(subject) == (d(2026, 3, 20), True)


def test_step_2_new_therapy_before_progression_censors_at_the_last_adequate_assessment() -> None:
    subject = person(
        (d(2026, 2, 26), "SD"),
        (d(2026, 4, 23), "SD"),
        (d(2026, 6, 18), "PD"),
        subsequent_therapy_date=d(2026, 5, 10),
    )
    assert pfs(subject) == (d(2026, 4, 23), False)
    assert pfs(subject, CensoringRules(censor_at_new_therapy=False)) == (d(2026, 6, 18), True)


def test_step_3_no_progression_censors_at_the_last_adequate_assessment_not_an_ne() -> None:
    subject = person((d(2026, 2, 26), "SD"), (d(2026, 4, 23), "PR"), (d(2026, 6, 18), "NE"))
    assert pfs(subject) == (d(2026, 4, 23), False)


def test_step_3_no_adequate_assessment_censors_at_the_origin() -> None:
    subject = person((d(2026, 2, 26), "NE"))
    assert pfs(subject) == (START, False)


def test_step_4_progression_after_two_missed_assessments_is_censored() -> None:
    # last adequate 2026-02-26; next scans due ~04-23 and ~06-18 were missed; PD 2026-08-13 is
    # 168 days later (> 2 × 56 + 7 = 119)
    subject = person((d(2026, 2, 26), "SD"), (d(2026, 8, 13), "PD"))
    assert pfs(subject) == (d(2026, 2, 26), False)
    assert pfs(subject, CensoringRules(missed_assessments=0)) == (d(2026, 8, 13), True)


def test_step_4_progression_after_one_missed_assessment_is_an_event() -> None:
    subject = person((d(2026, 2, 26), "SD"), (d(2026, 6, 18), "PD"))  # 112 days ≤ 119
    assert pfs(subject) == (d(2026, 6, 18), True)


def test_step_4_death_long_after_the_origin_without_assessments_is_censored_at_the_origin() -> None:
    subject = person(death_date=d(2026, 7, 1), last_known_alive_date=d(2026, 7, 1))
    assert pfs(subject) == (START, False)
    early = person(death_date=d(2026, 2, 1), last_known_alive_date=d(2026, 2, 1))
    assert pfs(early) == (d(2026, 2, 1), True)


def test_overall_survival_death_or_last_known_alive() -> None:
    dead = person(death_date=d(2026, 7, 1), last_known_alive_date=d(2026, 7, 1))
    alive = person(last_known_alive_date=d(2026, 9, 30))
    assert derive_overall_survival(dead, origin=START).event
    result = derive_overall_survival(alive, origin=START)
    assert (result.date, result.event, result.days) == (d(2026, 9, 30), False, 272)


def test_time_on_treatment_ongoing_is_censored_at_the_cutoff() -> None:
    ongoing = derive_time_on_treatment(person(), cutoff=d(2026, 6, 1))
    assert ongoing is not None
    assert (ongoing.date, ongoing.event) == (d(2026, 6, 1), False)
    stopped = derive_time_on_treatment(
        person(last_dose_date=d(2026, 3, 1), end_of_treatment_date=d(2026, 3, 5), end_of_treatment_reason="toxicity"),
        cutoff=d(2026, 6, 1),
    )
    assert stopped is not None
    assert (stopped.date, stopped.event) == (d(2026, 3, 1), True)
    assert "toxicity" in stopped.reason


def test_rules_are_checked() -> None:
    with pytest.raises(AnalysisError, match="assessment_interval_days is 0"):
        CensoringRules(assessment_interval_days=0)
