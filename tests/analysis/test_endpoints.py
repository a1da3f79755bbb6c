"""EndpointAnalysis: one test per numbered step of its docstring, on hand-built subjects."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.analysis import EndpointAnalysis, TrialDataset, load_trial_dataset
from trialdesk.errors import AnalysisError

d = dt.date
EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"
START = "2026-01-01"


def subject(sid: str, *assessments: tuple[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "subject_id": sid,
        "enrolment_date": START,
        "first_dose_date": START,
        "assessments": [{"date": when, "response": r} for when, r in assessments],
        "last_known_alive_date": "2026-12-01",
    } | fields


def dataset(*subjects: dict[str, Any]) -> TrialDataset:
    return TrialDataset.model_validate({"trial_id": "T", "subjects": list(subjects)})


# Confirmed PR (PR then PR 56 days later), unconfirmed PR (PR then PD: SD by RECIST 1.1
# Table 3, the PR meeting SD criteria on day 56 ≥ 42), SD at day 56,
# SD only at day 30 then PD (PD: too early for SD), and NE only.
TRIAL = dataset(
    subject("A", ("2026-02-26", "PR"), ("2026-04-23", "PR"), ("2026-06-18", "PD")),
    subject("B", ("2026-02-26", "PR"), ("2026-04-23", "PD")),
    subject("C", ("2026-02-26", "SD"), ("2026-04-23", "SD")),
    subject("D", ("2026-01-31", "SD"), ("2026-02-26", "PD")),
    subject("E", ("2026-02-26", "NE")),
)
CUTOFF = d(2026, 12, 1)


def test_step_1_cutoff_hides_later_events() -> None:
    early = EndpointAnalysis(cutoff=d(2026, 5, 1)).fit(TRIAL)
    late = EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL)
    by_id = {s.subject_id: s for s in early.subjects}
    assert by_id["A"].pfs.event is False  # its PD on 2026-06-18 is after the cut-off
    assert {s.subject_id: s for s in late.subjects}["A"].pfs.event is True
    assert early.pfs.events < late.pfs.events


def test_step_2_population_is_everyone_enrolled_by_the_cutoff() -> None:
    later = subject("F", enrolment_date="2026-06-01", first_dose_date="2026-06-02")
    analysis = EndpointAnalysis(cutoff=d(2026, 5, 1)).fit(dataset(*TRIAL.model_dump()["subjects"], later))
    assert analysis.n == 5
    assert analysis.orr.n == analysis.dcr.n == 5


def test_step_3_and_4_confirmed_orr_counts_only_confirmed_responses() -> None:
    confirmed = EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL)
    unconfirmed = EndpointAnalysis(cutoff=CUTOFF, confirm=False).fit(TRIAL)
    assert (confirmed.orr.count, unconfirmed.orr.count) == (1, 2)
    assert confirmed.best_response_counts == {"CR": 0, "PR": 1, "SD": 2, "PD": 1, "NE": 1}


def test_step_4_dcr_needs_sd_at_the_minimum_duration() -> None:
    assert EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL).dcr.count == 3  # A (PR), B and C (SD day 56)
    # with a 28-day minimum, D's SD on day 30 counts too
    assert EndpointAnalysis(cutoff=CUTOFF, min_sd_days=28).fit(TRIAL).dcr.count == 4


def test_step_4_wilson_is_the_option() -> None:
    analysis = EndpointAnalysis(cutoff=CUTOFF, proportion_ci="wilson").fit(TRIAL)
    assert analysis.orr.ci_method == "wilson"
    assert "Wilson" in str(analysis.orr)


def test_step_5_dor_only_among_responders_from_the_first_response() -> None:
    confirmed = EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL)
    assert confirmed.dor.n == 1
    a = next(s for s in confirmed.subjects if s.subject_id == "A")
    assert a.dor is not None
    assert (a.dor.origin, a.dor.date, a.dor.event) == (d(2026, 2, 26), d(2026, 6, 18), True)
    assert all(s.dor is None for s in confirmed.subjects if s.subject_id != "A")
    assert EndpointAnalysis(cutoff=CUTOFF, confirm=False).fit(TRIAL).dor.n == 2


def test_step_5_ci_type_is_selectable_and_stated() -> None:
    log = EndpointAnalysis(cutoff=CUTOFF, ci_type="log").fit(TRIAL)
    assert log.pfs.ci_type == "log"
    assert "R survfit default" in str(log)
    assert "lifelines default" in str(EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL))


def test_step_6_follow_up_reverse_km_treats_deaths_as_censored() -> None:
    trial = dataset(
        subject("A", last_known_alive_date="2026-07-01"),
        subject("B", death_date="2026-03-01", last_known_alive_date="2026-03-01"),
    )
    analysis = EndpointAnalysis(cutoff=CUTOFF).fit(trial)
    assert analysis.follow_up.events == 1
    assert analysis.os.events == 1


def test_summary_and_export(capsys: pytest.CaptureFixture[str]) -> None:
    analysis = EndpointAnalysis(cutoff=CUTOFF).fit(TRIAL)
    analysis.print_summary()
    assert "T — endpoint analysis at data cut-off 2026-12-01" in capsys.readouterr().out
    exported = json.loads(analysis.to_json())
    assert exported["orr"]["count"] == 1
    assert exported["settings"]["censoring"]["missed_assessments"] == 2
    assert {s["subject_id"] for s in exported["subjects"]} == {"A", "B", "C", "D", "E"}


def test_unfitted_and_empty_are_errors() -> None:
    with pytest.raises(AnalysisError, match="call fit"):
        _ = EndpointAnalysis(cutoff=CUTOFF).orr
    with pytest.raises(AnalysisError, match="no subject of T was enrolled by the cut-off 2025-01-01"):
        EndpointAnalysis(cutoff=d(2025, 1, 1)).fit(TRIAL)
    with pytest.raises(AnalysisError, match="ci_type"):
        EndpointAnalysis(cutoff=CUTOFF, ci_type="plain")  # type: ignore[arg-type]


EXAMPLE = load_trial_dataset(EXAMPLES / "NCT07077564.json")


@settings(max_examples=15, deadline=None)
@given(st.dates(min_value=d(2025, 6, 1), max_value=d(2026, 12, 31)), st.integers(min_value=1, max_value=300))
def test_a_later_cutoff_never_removes_subjects_or_deaths(cutoff: dt.date, days_later: int) -> None:
    early = EndpointAnalysis(cutoff=cutoff).fit(EXAMPLE)
    late = EndpointAnalysis(cutoff=cutoff + dt.timedelta(days=days_later)).fit(EXAMPLE)
    assert early.n <= late.n
    assert early.os.events <= late.os.events


def test_analyse_trial_file_is_the_service_call() -> None:
    from trialdesk.analysis import analyse_trial_file

    analysis = analyse_trial_file(EXAMPLES / "NCT07077564.json", cutoff=d(2026, 10, 1), ci_type="log")
    assert (analysis.n, analysis.pfs.ci_type) == (35, "log")
    with pytest.raises(AnalysisError, match="not 'NCT00000000'"):
        analyse_trial_file(EXAMPLES / "NCT07077564.json", cutoff=d(2026, 10, 1), trial_id="NCT00000000")
