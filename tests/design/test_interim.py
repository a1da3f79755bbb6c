"""The interim decision for a running Simon trial, one test per step of `interim_decision`.

The design throughout is Simon's optimal design for p0 = 0.10, p1 = 0.30, alpha = 0.05,
beta = 0.20: r1/n1 = 1/10, r/n = 5/29 (Simon 1989, table p. 4; see test_simon_tables.py).
"""

from __future__ import annotations

import json

import pytest

from trialdesk.design import SimonDesign, Verdict, interim_decision, simon_two_stage
from trialdesk.errors import DesignError


@pytest.fixture(scope="module")
def optimal() -> SimonDesign:
    design = simon_two_stage(0.10, 0.30, alpha=0.05, power=0.80).optimal
    assert (design.r1, design.n1, design.r, design.n) == (1, 10, 5, 29)
    return design


def test_step1_more_than_r_responses_is_efficacy_whatever_the_stage(optimal: SimonDesign) -> None:
    in_stage_2 = interim_decision(optimal, responses=6, evaluated=20)
    assert in_stage_2.verdict is Verdict.EFFICACY
    assert in_stage_2.final
    assert "exceed r = 5" in in_stage_2.rule
    in_stage_1 = interim_decision(optimal, responses=6, evaluated=9)
    assert in_stage_1.verdict is Verdict.EFFICACY
    assert in_stage_1.stage == 1


def test_step2_stage1_continues_while_the_bound_can_still_be_passed(optimal: SimonDesign) -> None:
    decision = interim_decision(optimal, responses=0, evaluated=8)
    assert decision.verdict is Verdict.CONTINUE
    assert not decision.final
    assert decision.responses_to_continue == 2
    assert "2 of n1 = 10 still to evaluate; 2 more response(s) needed" in decision.rule
    # 0 of 9: even if the 10th responds, 1 ≤ r1 = 1, so futility is already certain
    assert interim_decision(optimal, responses=0, evaluated=9).verdict is Verdict.STOP_FOR_FUTILITY


def test_step2_stage1_bound_passed_early_still_continues(optimal: SimonDesign) -> None:
    decision = interim_decision(optimal, responses=2, evaluated=5)
    assert decision.verdict is Verdict.CONTINUE
    assert decision.responses_to_continue == 0
    assert "already passed" in decision.rule


def test_step2_stage1_curtailed_for_futility_only_when_certain() -> None:
    """With r1 = 2 and n1 = 10, 0 responses in 9 cannot exceed 2 even if the 10th responds."""
    design = SimonDesign(
        "optimal", 0.2, 0.4, r1=2, n1=10, r=9, n=30, expected_n_p0=0, pet_p0=0, actual_alpha=0, actual_power=0
    )
    decision = interim_decision(design, responses=0, evaluated=9)
    assert decision.verdict is Verdict.STOP_FOR_FUTILITY
    assert "even if all 1 remaining stage-1 patient(s) respond" in decision.rule
    assert interim_decision(design, responses=1, evaluated=8).verdict is Verdict.CONTINUE  # 1 + 2 > 2


@pytest.mark.parametrize(
    ("responses", "verdict"), [(0, Verdict.STOP_FOR_FUTILITY), (1, Verdict.STOP_FOR_FUTILITY), (2, Verdict.CONTINUE)]
)
def test_step3_end_of_stage1_boundary(optimal: SimonDesign, responses: int, verdict: Verdict) -> None:
    """≤ r1 = 1 responses in n1 = 10 stops; 2 continue to stage 2."""
    decision = interim_decision(optimal, responses=responses, evaluated=10)
    assert decision.verdict is verdict
    assert decision.stage == 1
    if verdict is Verdict.CONTINUE:
        assert "enrol 19 more" in decision.rule


def test_step4_stage2_continues_then_curtails(optimal: SimonDesign) -> None:
    going = interim_decision(optimal, responses=3, evaluated=20)
    assert going.verdict is Verdict.CONTINUE
    assert going.stage == 2
    assert going.responses_for_efficacy == 3
    # 2 responses in 27: even 2 more make 4 ≤ r = 5, so futility is certain
    curtailed = interim_decision(optimal, responses=2, evaluated=27)
    assert curtailed.verdict is Verdict.STOP_FOR_FUTILITY
    assert curtailed.final
    assert "even if all 2 remaining patient(s) respond" in curtailed.rule
    assert interim_decision(optimal, responses=3, evaluated=27).verdict is Verdict.STOP_FOR_FUTILITY  # 3 + 2 = 5 ≤ 5
    assert interim_decision(optimal, responses=4, evaluated=27).verdict is Verdict.CONTINUE  # 4 + 2 = 6 > 5


@pytest.mark.parametrize(("responses", "verdict"), [(5, Verdict.STOP_FOR_FUTILITY), (6, Verdict.EFFICACY)])
def test_step5_end_of_trial_boundary(optimal: SimonDesign, responses: int, verdict: Verdict) -> None:
    """At n = 29: ≤ r = 5 responses does not reject H0; 6 does."""
    decision = interim_decision(optimal, responses=responses, evaluated=29)
    assert decision.verdict is verdict
    assert decision.final


def test_decision_prints_and_exports(optimal: SimonDesign) -> None:
    decision = interim_decision(optimal, responses=1, evaluated=10)
    assert str(decision) == (
        "1/10 responses (stage 1 of r1/n1 = 1/10, r/n = 5/29): stop for futility\n"
        "  1 ≤ r1 = 1 responses in n1 = 10 at the end of stage 1"
    )
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["verdict"] == "stop for futility"
    assert data["design"]["n"] == 29


@pytest.mark.parametrize(
    ("responses", "evaluated", "argument"),
    [(3, 2, "responses"), (-1, 5, "responses"), (0, 30, "evaluated"), (0, -1, "evaluated"), (1.5, 10, "responses")],
)
def test_invalid_counts_name_the_argument(
    optimal: SimonDesign, responses: object, evaluated: object, argument: str
) -> None:
    with pytest.raises(DesignError) as caught:
        interim_decision(optimal, responses=responses, evaluated=evaluated)  # type: ignore[arg-type]
    assert caught.value.argument == argument
