"""The decision a running Simon two-stage trial has reached, given the responses so far."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trialdesk.design.checks import check_count
from trialdesk.design.simon import SimonDesign


class Verdict(StrEnum):
    """What the design says to do now."""

    CONTINUE = "continue"
    STOP_FOR_FUTILITY = "stop for futility"
    EFFICACY = "declare efficacy at the end"


@dataclass(frozen=True, slots=True)
class InterimDecision:
    """The verdict for `responses` among `evaluated` patients, and the rule that decided it.

    `stage` is 1 while the first n1 patients are being evaluated and 2 after; `final` is
    True when the verdict can no longer change whatever the remaining patients do.
    `responses_to_continue` and `responses_for_efficacy` count the further responses still
    needed to pass stage 1 (more than r1 in n1) and to reject H0 (more than r in n).
    """

    design: SimonDesign
    evaluated: int
    responses: int
    stage: int
    verdict: Verdict
    rule: str
    final: bool
    responses_to_continue: int
    responses_for_efficacy: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design.to_dict(),
            "evaluated": self.evaluated,
            "responses": self.responses,
            "stage": self.stage,
            "verdict": self.verdict.value,
            "rule": self.rule,
            "final": self.final,
            "responses_to_continue": self.responses_to_continue,
            "responses_for_efficacy": self.responses_for_efficacy,
        }

    def __str__(self) -> str:
        d = self.design
        head = f"{self.responses}/{self.evaluated} responses (stage {self.stage} of r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n})"
        return f"{head}: {self.verdict.value}\n  {self.rule}"


def interim_decision(design: SimonDesign, responses: int, evaluated: int) -> InterimDecision:
    """Continue, stop for futility, or declare efficacy at the end (Simon 1989 two-stage rule).

    The rule, applied to `responses` among the first `evaluated` patients:
      1. Efficacy: more than r responses already — H0 will be rejected at the end whatever
         the remaining patients do (Simon's design has no early stop for efficacy; the
         trial still completes as the protocol says).
      2. Stage 1 (evaluated < n1): stop for futility once even all remaining stage-1
         patients responding cannot exceed r1; otherwise continue.
      3. End of stage 1 (evaluated = n1): stop for futility if ≤ r1 responded; otherwise
         continue to stage 2 and enrol n − n1 more.
      4. Stage 2 (n1 < evaluated < n): stop for futility once even all remaining patients
         responding cannot exceed r; otherwise continue. Reaching stage 2 assumes more than
         r1 of the first n1 responded.
      5. End (evaluated = n): declare efficacy if more than r responded, else futility.

    Stopping before n1 (step 2) or before n (step 4) is curtailment: it is taken only when
    the outcome is already certain, so it changes neither alpha nor power.

    Args:
        design: the Simon design the trial follows.
        responses: responders so far, 0 ≤ responses ≤ evaluated.
        evaluated: patients evaluable for response so far, 0 ≤ evaluated ≤ n.

    >>> from trialdesk.design.simon import simon_two_stage
    >>> optimal = simon_two_stage(0.10, 0.30).optimal  # r1/n1 = 1/10, r/n = 5/29
    >>> interim_decision(optimal, responses=1, evaluated=10).verdict.value
    'stop for futility'
    """
    evaluated = check_count("evaluated", evaluated, minimum=0, maximum=design.n)
    responses = check_count("responses", responses, minimum=0, maximum=evaluated)
    stage = 1 if evaluated <= design.n1 else 2
    to_continue = max(design.r1 + 1 - responses, 0) if stage == 1 else 0
    for_efficacy = max(design.r + 1 - responses, 0)

    def decided(verdict: Verdict, rule: str, final: bool) -> InterimDecision:
        return InterimDecision(design, evaluated, responses, stage, verdict, rule, final, to_continue, for_efficacy)

    if responses > design.r:
        return decided(
            Verdict.EFFICACY,
            f"{responses} responses exceed r = {design.r}: H0 (p ≤ {design.p0:g}) is rejected at the end",
            True,
        )
    if stage == 1:
        remaining = design.n1 - evaluated
        if responses + remaining <= design.r1:
            where = (
                "at the end of stage 1"
                if remaining == 0
                else f"even if all {remaining} remaining stage-1 patient(s) respond"
            )
            return decided(
                Verdict.STOP_FOR_FUTILITY,
                f"{responses + remaining} ≤ r1 = {design.r1} responses in n1 = {design.n1} {where}",
                True,
            )
        if remaining == 0:
            return decided(
                Verdict.CONTINUE,
                f"{responses} > r1 = {design.r1} responses in n1 = {design.n1}: enrol {design.n2} more (stage 2)",
                False,
            )
        needed = f"{to_continue} more response(s) needed" if to_continue else "stage-1 bound already passed"
        return decided(Verdict.CONTINUE, f"stage 1: {remaining} of n1 = {design.n1} still to evaluate; {needed}", False)
    remaining = design.n - evaluated
    if responses + remaining <= design.r:
        where = "at the end" if remaining == 0 else f"even if all {remaining} remaining patient(s) respond"
        return decided(
            Verdict.STOP_FOR_FUTILITY,
            f"{responses + remaining} ≤ r = {design.r} responses in n = {design.n} {where}: H0 not rejected",
            True,
        )
    return decided(
        Verdict.CONTINUE,
        f"stage 2: {remaining} of n = {design.n} still to evaluate; {for_efficacy} more response(s) needed to exceed r = {design.r}",
        False,
    )
