"""The interim decision in the report: one test per step of `derive_interim_analysis` and
of `response_reading`, the shipped examples against `interim_decision` on counts made
here, and one constructed dataset per outcome.

Designs (Simon R. Control Clin Trials 1989;10:1–10, table for alpha 0.05, beta 0.20;
see tests/design/test_simon_tables.py):
- p0 0.10, p1 0.30: optimal r1/n1 = 1/10, r/n = 5/29; minimax 1/15, 5/25 — the
  NCT07520357 proposal, and the constructed datasets here.
- p0 0.20, p1 0.40: minimax r1/n1 = 4/18, r/n = 10/33 — the design consistent with
  n = 33, used for NCT07077564 (its own target, 35, gives only a single-stage design).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from trialdesk.analysis import EndpointAnalysis, TrialDataset, build_report, dataset_at_cutoff, load_trial_dataset
from trialdesk.analysis.commands import protocol_response_reading
from trialdesk.analysis.interim import InterimAnalysis, ResponseReading, derive_interim_analysis, response_reading
from trialdesk.design import (
    ConsistentDesigns,
    DesignProposal,
    InterimDecision,
    SimonDesign,
    consistent_designs,
    interim_decision,
    propose_design,
    trial_design,
)
from trialdesk.errors import AnalysisError

EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"
CUTOFF = dt.date(2026, 12, 31)
CONFIRMED = response_reading(True, endpoint="confirmed ORR")
UNCONFIRMED = response_reading(False, endpoint="ORR, confirmation not required")


@pytest.fixture(scope="module")
def proposal() -> DesignProposal:
    found = propose_design("T", 0.10, 0.30)
    assert (found.simon.optimal.r1, found.simon.optimal.n1, found.simon.optimal.r, found.simon.optimal.n) == (
        1,
        10,
        5,
        29,
    )
    assert (found.simon.minimax.r1, found.simon.minimax.n1, found.simon.minimax.r, found.simon.minimax.n) == (
        1,
        15,
        5,
        25,
    )
    return found


def responder(sid: str, enrolled: str = "2026-01-05") -> dict[str, Any]:
    """A confirmed PR: PR at week 8 and again 8 weeks later (≥ 28 days, RECIST 1.1 §4.6.1)."""
    return _subject(sid, enrolled, [("2026-03-02", "PR"), ("2026-04-27", "PR")])


def progressor(sid: str, enrolled: str = "2026-01-05") -> dict[str, Any]:
    """SD, then PD: a non-responder whose best response is final."""
    return _subject(sid, enrolled, [("2026-03-02", "SD"), ("2026-04-27", "PD")])


def unconfirmed_then_pd(sid: str, enrolled: str = "2026-01-05") -> dict[str, Any]:
    """PR never confirmed, then PD: a responder only by the unconfirmed reading."""
    return _subject(sid, enrolled, [("2026-03-02", "PR"), ("2026-04-27", "PD")])


def stable(sid: str, enrolled: str = "2026-01-05") -> dict[str, Any]:
    """SD, alive, not progressed: pending — a response may still come."""
    return _subject(sid, enrolled, [("2026-03-02", "SD"), ("2026-04-27", "SD")])


def _subject(sid: str, enrolled: str, responses: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "subject_id": sid,
        "enrolment_date": enrolled,
        "first_dose_date": enrolled,
        "assessments": [{"date": d, "response": r} for d, r in responses],
        "last_known_alive_date": "2026-06-01",
    }


def interim(
    subjects: list[dict[str, Any]],
    design: ConsistentDesigns | DesignProposal | None,
    reading: ResponseReading = CONFIRMED,
    cutoff: dt.date = dt.date(2026, 6, 1),
) -> InterimAnalysis:
    data = TrialDataset.model_validate({"trial_id": "T", "subjects": subjects})
    return _interim(data, design, reading, cutoff)


def _interim(
    data: TrialDataset, design: ConsistentDesigns | DesignProposal | None, reading: ResponseReading, cutoff: dt.date
) -> InterimAnalysis:
    confirmed = EndpointAnalysis(cutoff=cutoff).fit(data)
    unconfirmed = EndpointAnalysis(cutoff=cutoff, confirm=False).fit(data)
    return derive_interim_analysis(data, confirmed, unconfirmed, design, reading)


def numbered(make: Any, count: int, start: int = 1) -> list[dict[str, Any]]:
    return [make(f"{i:03d}") for i in range(start, start + count)]


# One constructed dataset per outcome, on the optimal design r1/n1 = 1/10, r/n = 5/29


def test_outcome_stop_for_futility(proposal: DesignProposal) -> None:
    """1 responder in the first n1 = 10, the other 9 progressed: 1 ≤ r1 = 1."""
    result = interim([responder("001"), *numbered(progressor, 9, start=2)], proposal)
    optimal = result.designs[0]
    assert optimal.decisive.status == "stop for futility"
    assert optimal.decisive.decision == interim_decision(proposal.simon.optimal, 1, 10)
    assert "1 ≤ r1 = 1 responses in n1 = 10 at the end of stage 1" in optimal.decisive.decision.rule


def test_outcome_continue_to_stage_2(proposal: DesignProposal) -> None:
    """2 responders in the first n1 = 10: 2 > r1 = 1, enrol n − n1 = 19 more."""
    result = interim([responder("001"), responder("002"), *numbered(progressor, 8, start=3)], proposal)
    optimal = result.designs[0]
    assert optimal.decisive.status == "continue to stage 2"
    assert optimal.decisive.decision == interim_decision(proposal.simon.optimal, 2, 10)
    assert "enrol 19 more (stage 2)" in optimal.decisive.decision.rule


def test_outcome_stage_1_still_accruing(proposal: DesignProposal) -> None:
    """5 of n1 = 10 evaluable, none has responded yet but 5 more may: no decision yet."""
    result = interim(numbered(progressor, 5), proposal)
    optimal = result.designs[0]
    assert optimal.decisive.status == "stage 1 still accruing"
    assert optimal.decisive.decision == interim_decision(proposal.simon.optimal, 0, 5)
    assert "5 of n1 = 10 still to evaluate; 2 more response(s) needed" in optimal.decisive.decision.rule


def test_step1_only_evaluable_subjects_count_in_enrolment_order(proposal: DesignProposal) -> None:
    """Untreated and NE-only subjects are not evaluable; a responder enrolled 11th is not in stage 1."""
    untreated = _subject("U01", "2026-01-05", []) | {"first_dose_date": None}
    only_ne = _subject("U02", "2026-01-05", [("2026-03-02", "NE")])
    late = responder("999", enrolled="2026-02-01")
    early = [responder("001"), *numbered(progressor, 9, start=2)]
    result = interim([late, untreated, only_ne, *early], proposal)
    assert result.counted.evaluable == 11
    optimal = result.designs[0]
    assert (optimal.decisive.stage_one.evaluable, optimal.decisive.stage_one.responders) == (10, 1)
    assert optimal.decisive.status == "stop for futility"  # the 11th's response does not rescue stage 1


def test_step2_and_5_the_reading_decides_and_the_other_is_shown(proposal: DesignProposal) -> None:
    """1 confirmed + 1 unconfirmed-only responder in 10: confirmed 1 ≤ r1 stops, unconfirmed 2 > r1 continues."""
    subjects = [responder("001"), unconfirmed_then_pd("002"), *numbered(progressor, 8, start=3)]
    by_confirmed = interim(subjects, proposal, CONFIRMED).designs[0]
    assert (by_confirmed.decisive.reading, by_confirmed.decisive.status) == ("confirmed", "stop for futility")
    assert (by_confirmed.other.reading, by_confirmed.other.status) == ("unconfirmed", "continue to stage 2")
    by_unconfirmed = interim(subjects, proposal, UNCONFIRMED).designs[0]
    assert by_unconfirmed.decisive.status == "continue to stage 2"


def test_step3_pending_subjects_hold_back_futility_until_certain(proposal: DesignProposal) -> None:
    """1 responder, 8 progressed, 1 still on SD: if it responds 2 > r1, so no stop yet."""
    waiting = interim([responder("001"), stable("002"), *numbered(progressor, 8, start=3)], proposal).designs[0]
    assert waiting.decisive.stage_one.pending == 1
    assert waiting.decisive.decision == interim_decision(proposal.simon.optimal, 1, 9)
    assert waiting.decisive.status == "stage 1 awaiting outcomes"
    # no responder, 9 progressed, 1 pending: even if it responds, 1 ≤ r1 = 1 — futility is certain
    certain = interim([stable("001"), *numbered(progressor, 9, start=2)], proposal).designs[0]
    assert certain.decisive.status == "stop for futility"


def test_step4_stage_2_counts_the_first_n_once_stage_1_is_passed(proposal: DesignProposal) -> None:
    """2 of the first 10 respond (passed); 12 more progress: 2 responses in 22, 7 left, 2 + 7 > r = 5."""
    subjects = [responder("001"), responder("002"), *numbered(progressor, 20, start=3)]
    optimal = interim(subjects, proposal).designs[0]
    assert optimal.decisive.counted.evaluable == 22
    assert optimal.decisive.decision == interim_decision(proposal.simon.optimal, 2, 22)
    assert optimal.decisive.status == "stage 2 still accruing"
    # 26 evaluable, 2 responders: 2 + 3 ≤ r = 5 — futility is certain in stage 2
    ended = interim([*subjects, *numbered(progressor, 4, start=23)], proposal).designs[0]
    assert ended.decisive.status == "stop for futility"
    assert "≤ r = 5 responses in n = 29" in ended.decisive.decision.rule


def test_a_single_stage_design_has_no_interim_decision() -> None:
    result = interim([responder("001")], consistent_designs(35))
    assert result.designs == ()
    assert result.not_applicable is not None
    assert "single-stage (A'Hern)" in result.not_applicable
    assert "no two-stage design is stated" in (interim([responder("001")], None).not_applicable or "")


def test_fits_must_be_confirmed_and_unconfirmed_at_one_cutoff(proposal: DesignProposal) -> None:
    data = TrialDataset.model_validate({"trial_id": "T", "subjects": [responder("001")]})
    fit = EndpointAnalysis(cutoff=dt.date(2026, 6, 1)).fit(data)
    with pytest.raises(AnalysisError, match="a confirmed and an unconfirmed fit"):
        derive_interim_analysis(data, fit, fit, proposal, CONFIRMED)


# response_reading, one test per step


def test_reading_step1_confirmation_required() -> None:
    reading = response_reading(True, endpoint="Confirmed ORR")
    assert (reading.name, reading.settled) == ("confirmed", True)


def test_reading_step2_confirmation_not_required() -> None:
    reading = response_reading(False, endpoint="ORR")
    assert (reading.name, reading.settled) == ("unconfirmed", True)


def test_reading_step3_open_question_is_confirmed_and_flagged() -> None:
    reading = response_reading(None, endpoint="ORR", review=("say whether confirmed",))
    assert (reading.name, reading.settled) == ("confirmed", False)
    assert "does not settle" in reading.reason
    assert "say whether confirmed" in reading.reason
    assert "RECIST 1.1 §4.6.1" in reading.reason
    assert response_reading(None).settled is False


def test_the_protocols_give_their_readings() -> None:
    """NCT07520357: 'confirmed ORR' (confirmation_required: true); NCT07077564: left open."""
    assert protocol_response_reading("NCT07520357") == ResponseReading(
        True, protocol_response_reading("NCT07520357").reason, settled=True
    )
    assert "Confirmed objective response rate" in protocol_response_reading("NCT07520357").reason
    open_question = protocol_response_reading("NCT07077564")
    assert (open_question.confirmed, open_question.settled) == (True, False)
    assert "minimum required duration" in open_question.reason
    assert protocol_response_reading("NCT00000000").settled is False  # no protocol


# The shipped examples against interim_decision on counts made here


def expected_decision(data: TrialDataset, design: SimonDesign, cutoff: dt.date, confirm: bool) -> InterimDecision:
    """Counted independently: evaluable = dosed with a CR/PR/SD/PD assessment, in enrolment
    order; responders from the fit; non-responders final after PD or death; the first n1,
    then the first n once more than r1 of the first n1 responded."""
    seen = dataset_at_cutoff(data, cutoff)
    best = {
        s.subject_id: str(s.best_response.response)
        for s in EndpointAnalysis(cutoff, confirm=confirm).fit(data).subjects
    }
    evaluable = [
        s
        for s in sorted(seen.subjects, key=lambda s: (s.enrolment_date, s.subject_id))
        if s.first_dose_date is not None and {a.response for a in s.assessments} & {"CR", "PR", "SD", "PD"}
    ]
    responded = [best[s.subject_id] in ("CR", "PR") for s in evaluable]
    known = [
        r or s.death_date is not None or "PD" in {a.response for a in s.assessments}
        for s, r in zip(evaluable, responded, strict=True)
    ]

    def counts(size: int) -> tuple[int, int]:
        return sum(responded[:size]), sum(known[:size])

    responses, decided = counts(design.n1)
    if sum(responded[: design.n1]) > design.r1 and len(evaluable) > design.n1:
        responses, decided = counts(design.n)
    return interim_decision(design, responses, decided)


CUTOFFS = (dt.date(2025, 9, 30), dt.date(2025, 12, 29), dt.date(2026, 3, 29), dt.date(2026, 7, 27), CUTOFF)


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_nct07520357_decisions_are_interim_decision_on_counts_made_here(cutoff: dt.date) -> None:
    data = load_trial_dataset(EXAMPLES / "NCT07520357.json")
    design = trial_design("NCT07520357", None)
    assert isinstance(design, DesignProposal)
    result = _interim(data, design, protocol_response_reading("NCT07520357"), cutoff)
    assert [d.label for d in result.designs] == [
        "Simon optimal, p0 = 0.1, p1 = 0.3 (proposed)",
        "Simon minimax, p0 = 0.1, p1 = 0.3 (proposed)",
    ]
    for item, simon in zip(result.designs, (design.simon.optimal, design.simon.minimax), strict=True):
        assert item.decisive.reading == "confirmed"  # the protocol's primary endpoint is confirmed ORR
        assert item.decisive.decision == expected_decision(data, simon, cutoff, confirm=True)
        assert item.other.decision == expected_decision(data, simon, cutoff, confirm=False)


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_nct07077564_decisions_are_interim_decision_on_counts_made_here(cutoff: dt.date) -> None:
    data = load_trial_dataset(EXAMPLES / "NCT07077564.json")
    design = consistent_designs(33)
    (match,) = design.matches
    assert isinstance(match.design, SimonDesign)
    assert (match.kind, match.design.r1, match.design.n1, match.design.r, match.design.n) == ("minimax", 4, 18, 10, 33)
    result = _interim(data, design, protocol_response_reading("NCT07077564"), cutoff)
    (item,) = result.designs
    assert item.decisive.decision == expected_decision(data, match.design, cutoff, confirm=True)
    assert item.other.decision == expected_decision(data, match.design, cutoff, confirm=False)


def test_nct07077564_the_reading_changes_the_decision() -> None:
    """At 2026-12-31, 4 of the first 18 have a confirmed response (4 ≤ r1 = 4: stop); more
    than 10 of the 33 have an unconfirmed one (> r = 10: efficacy) — why the flag matters."""
    data = load_trial_dataset(EXAMPLES / "NCT07077564.json")
    (item,) = _interim(data, consistent_designs(33), protocol_response_reading("NCT07077564"), CUTOFF).designs
    assert (item.decisive.stage_one.responders, item.decisive.stage_one.evaluable) == (4, 18)
    assert item.decisive.status == "stop for futility"
    assert item.other.status == "declare efficacy at the end"


def test_report_states_the_decision_and_embeds_it() -> None:
    data = load_trial_dataset(EXAMPLES / "NCT07520357.json")
    design = trial_design("NCT07520357", None)
    assert isinstance(design, DesignProposal)
    report = build_report(
        data, cutoff=CUTOFF, design=design, reading=protocol_response_reading("NCT07520357"), figure_format="svg"
    )
    html = report.to_html()
    assert "Interim decision (Simon two-stage)" in html
    assert "The decision uses the confirmed reading</strong>: the protocol&#39;s primary endpoint is Confirmed" in html
    assert "stop for futility if ≤ r1 = 1 responses in n1 = 10" in html
    assert "Flagged" not in html  # NCT07520357 settles it
    start = html.index('id="trialdesk-results">') + len('id="trialdesk-results">')
    embedded = json.loads(html[start : html.index("</script>", start)])["interim"]
    optimal = embedded["designs"][0]
    expected = expected_decision(data, design.simon.optimal, CUTOFF, confirm=True)
    assert optimal["decision"]["decision"]["verdict"] == expected.verdict.value
    assert optimal["decision"]["decision"]["responses"] == expected.responses
    assert embedded["reading"] == {"reading": "confirmed", "reason": report.interim.reading.reason, "settled": True}
    assert embedded["evaluable"] == report.flow.evaluable


def test_report_without_a_two_stage_design_says_why() -> None:
    data = TrialDataset.model_validate({"trial_id": "T", "subjects": [responder("001")]})
    report = build_report(data, design=consistent_designs(35), figure_format="svg")
    assert "only a single-stage (A&#39;Hern) design has n = 35" in report.to_html()
    assert report.to_dict()["interim"]["designs"] == []
    assert report.interim.reading.settled is False  # no protocol reading given: confirmed, flagged


def test_stage_2_is_accruing_once_stage_1_is_passed_even_with_outcomes_pending(proposal: DesignProposal) -> None:
    """2 of the first 10 respond, 8 still on SD, 2 more evaluable: stage 1 is passed for
    certain, and stage 2 is accruing."""
    subjects = [responder("001"), responder("002"), *numbered(stable, 10, start=3)]
    optimal = interim(subjects, proposal).designs[0]
    assert optimal.decisive.counted.evaluable == 12
    assert optimal.decisive.status == "stage 2 still accruing"


def test_the_analysis_prints_and_exports(proposal: DesignProposal) -> None:
    result = interim([responder("001"), *numbered(progressor, 9, start=2)], proposal)
    text = str(result)
    assert text.startswith("Interim decision at 2026-06-01: 1 confirmed responders among 10 evaluable (0 pending)")
    assert "r1/n1 = 1/10, r/n = 5/29: stage 1 1/10 (0 pending) → stop for futility" in text
    data = json.loads(json.dumps(result.to_dict()))
    assert data["responders"] == {"confirmed": 1, "unconfirmed": 1}
    assert data["designs"][0]["decision"]["status"] == "stop for futility"
