"""Best overall response: RECIST 1.1 Table 3 cell by cell, the confirmation rules (§4.6.1),
the minimum SD duration and the unconfirmed best response (§4.4.3).

Table 3 pairs a first time point with the subsequent one. Here the first is on day 42 and
the subsequent on day 84, 42 days apart (≥ the 4 weeks of §4.6.1). "SD provided minimum
criteria for SD duration met" is tested both ways: with a 42-day minimum (met at the first
time point) and with a 100-day minimum (met at neither).
"""

from __future__ import annotations

import pytest

from tests.recist.builders import START, day, series
from trialdesk.errors import RecistError
from trialdesk.recist import BestOverallResponse, Response, ResponseAt, best_overall_response

R = Response
MET, NOT_MET = 42, 100


def bor(
    points: list[ResponseAt], *, confirm: bool = True, min_sd_days: int = MET, **options: object
) -> BestOverallResponse:
    return best_overall_response(points, start_date=START, confirm=confirm, min_sd_days=min_sd_days, **options)  # type: ignore[arg-type]


# RECIST 1.1 Table 3: (first, subsequent, BOR when SD minimum met, BOR when not met)
PAPER_TABLE_3 = [
    pytest.param(R.CR, R.CR, R.CR, R.CR, id="CR-CR-CR"),
    pytest.param(R.CR, R.SD, R.SD, R.PD, id="CR-SD-SD_or_PD"),
    pytest.param(R.CR, R.PD, R.SD, R.PD, id="CR-PD-SD_or_PD"),
    pytest.param(R.CR, R.NE, R.SD, R.NE, id="CR-NE-SD_or_NE"),
    pytest.param(R.PR, R.CR, R.PR, R.PR, id="PR-CR-PR"),
    pytest.param(R.PR, R.PR, R.PR, R.PR, id="PR-PR-PR"),
    pytest.param(R.PR, R.PD, R.SD, R.PD, id="PR-PD-SD_or_PD"),
    pytest.param(R.PR, R.NE, R.SD, R.NE, id="PR-NE-SD_or_NE"),
    pytest.param(R.NE, R.NE, R.NE, R.NE, id="NE-NE-NE"),
]


@pytest.mark.parametrize(("first", "subsequent", "if_met", "if_not_met"), PAPER_TABLE_3)
def test_table_3(first: R, subsequent: R, if_met: R, if_not_met: R) -> None:
    """RECIST 1.1 Table 3, the row named by the test id, with the SD minimum met and not met."""
    points = series((42, first), (84, subsequent))
    assert bor(points, min_sd_days=MET).response == if_met
    assert bor(points, min_sd_days=NOT_MET).response == if_not_met


def test_table_3_pr_then_sd() -> None:
    """RECIST 1.1 Table 3 row PR/SD: SD (the SD time point is past the minimum here)."""
    assert bor(series((42, R.PR), (84, R.SD))).response == R.SD


def test_table_3_cr_then_pr_is_open() -> None:
    """RECIST 1.1 Table 3 row CR/PR: "SD, PD or PR" (note a). If the CR was truly met, the PR
    is a reappearance, i.e. PD: best response SD if the SD minimum was met, else PD. If small
    lesions were likely still there, the CR was a PR and the best response is PR. The result
    states the question and the other reading."""
    points = series((42, R.CR), (84, R.PR))
    met, not_met = bor(points, min_sd_days=MET), bor(points, min_sd_days=NOT_MET)
    assert (met.response, not_met.response) == (R.SD, R.PD)
    for result in (met, not_met):
        assert result.open_question is not None
        assert "Table 3 note a" in result.open_question
        assert result.alternative == R.PR


def test_table_3_answers_are_not_open_elsewhere() -> None:
    """Only the CR/PR row of Table 3 is left open by the paper."""
    for first, subsequent in [(R.CR, R.CR), (R.CR, R.SD), (R.PR, R.PR), (R.PR, R.SD), (R.PR, R.NE)]:
        assert bor(series((42, first), (84, subsequent))).open_question is None


# -- confirmation (§4.6.1) ----------------------------------------------------------------
def test_confirmation_needs_four_weeks() -> None:
    """§4.6.1: the confirming assessment is no less than 4 weeks after the response was first
    met — 28 days confirms, 27 does not (the subject is then SD at day 42, Table 3 CR/CR fails)."""
    assert bor(series((42, R.CR), (70, R.CR))).response == R.CR
    assert bor(series((42, R.CR), (69, R.CR))).response == R.SD


def test_confirmation_window_is_a_parameter() -> None:
    """§4.6.1 sets 4 weeks as the least interval; a protocol may set more (here 8 weeks)."""
    assert bor(series((42, R.PR), (84, R.PR)), confirmation_days=56).response == R.SD
    assert bor(series((42, R.PR), (98, R.PR)), confirmation_days=56).response == R.PR


def test_early_repeat_does_not_block_a_later_confirmation() -> None:
    """§4.6.1: a PR 14 days later is too early to confirm, but one 35 days later confirms."""
    result = bor(series((42, R.PR), (56, R.PR), (77, R.PR)))
    assert (result.response, result.first_response_date, result.confirmed_on) == (R.PR, day(42), day(77))


def test_pr_ne_pr_is_confirmed() -> None:
    """§4.4.4: "in most trials it is reasonable to consider a patient with time point
    responses of PR–NE–PR as a confirmed response"."""
    assert bor(series((42, R.PR), (84, R.NE), (126, R.PR))).response == R.PR


def test_repeated_ne_between_responses_is_open() -> None:
    """§4.4.4 leaves repeated NE to the analysis plan: with one NE allowed (the default),
    PR–NE–NE–PR is not confirmed and the result says the question is open."""
    points = series((42, R.PR), (84, R.NE), (126, R.NE), (168, R.PR))
    result = bor(points)
    assert result.response == R.SD
    assert result.open_question is not None
    assert "§4.4.4" in result.open_question
    assert result.alternative == R.PR
    assert bor(points, max_ne_between=2).response == R.PR


def test_sd_between_responses() -> None:
    """Table 3 reads PR then SD as SD; the paper does not say whether a later PR confirms the
    first. Read as not confirming (open question raised); a protocol may accept one SD."""
    points = series((42, R.PR), (84, R.SD), (126, R.PR))
    result = bor(points)
    assert result.response == R.SD
    assert result.open_question is not None
    assert "SD lies between" in result.open_question
    assert bor(points, accept_sd_between=True).response == R.PR


def test_pr_then_confirmed_cr_dates_response_from_the_pr() -> None:
    """Table 3 (PR then CR → PR; CR then CR → CR) and §4.6.2 (duration of response from the
    first time CR or PR criteria are met): PR, CR, CR is a confirmed CR whose response began
    at the PR, confirmed by the first CR."""
    result = bor(series((42, R.PR), (84, R.CR), (126, R.CR)))
    assert (result.response, result.first_response_date, result.confirmed_on) == (R.CR, day(42), day(84))


def test_confirmed_pr_then_progression_keeps_pr() -> None:
    """§4.4.3: best response is the best recorded until progression; a confirmed PR stays PR."""
    assert bor(series((42, R.PR), (84, R.PR), (126, R.PD))).response == R.PR


def test_cr_confirmed_then_reappearance() -> None:
    """Table 3 note a: after a CR, later disease is PD; a CR already confirmed stays the best
    response (§4.4.3)."""
    result = bor(series((42, R.CR), (84, R.CR), (126, R.SD)))
    assert result.response == R.CR


# -- minimum SD duration and no confirmation (§4.4.3) ------------------------------------
def test_unconfirmed_best_of_all_time_points() -> None:
    """§4.4.3, confirmation not required: SD, PR, PD has best response PR."""
    result = bor(series((42, R.SD), (84, R.PR), (126, R.PD)), confirm=False)
    assert (result.response, result.first_response_date) == (R.PR, day(84))


def test_unconfirmed_single_pr_is_pr() -> None:
    """§4.4.3: without confirmation, one PR time point suffices."""
    assert bor(series((42, R.PR)), confirm=False).response == R.PR


def test_sd_too_early_then_pd_is_pd() -> None:
    """§4.4.3: SD at the first assessment, PD at the second, SD minimum not met → PD."""
    assert bor(series((35, R.SD), (77, R.PD)), confirm=False).response == R.PD


def test_sd_too_early_then_lost_is_ne() -> None:
    """§4.4.3: the same subject lost to follow-up after the first SD is inevaluable (NE)."""
    assert bor(series((35, R.SD)), confirm=False).response == R.NE


def test_sd_at_exactly_the_minimum_qualifies() -> None:
    """§4.6.1: SD criteria met at least once at the minimum interval — day 42 of 42 counts."""
    result = bor(series((42, R.SD), (84, R.PD)), confirm=False)
    assert (result.response, result.sd_qualifying_date) == (R.SD, day(42))


def test_time_points_after_progression_do_not_count() -> None:
    """§4.4.3: best response is recorded until progression; a later PR does not count."""
    assert bor(series((42, R.PD), (84, R.PR), (126, R.PR))).response == R.PD
    assert bor(series((42, R.PD), (84, R.PR)), confirm=False).response == R.PD


def test_no_follow_up_is_ne() -> None:
    """§4.4.2: no assessment after baseline — the subject is not evaluable."""
    assert bor([]).response == R.NE


def test_non_target_only_stable_is_non_cr_non_pd() -> None:
    """Table 2 note: non-CR/non-PD is the stable category for non-target disease only."""
    points = series((42, R.NON_CR_NON_PD), (84, R.NON_CR_NON_PD))
    assert bor(points).response == R.NON_CR_NON_PD
    assert bor(points, confirm=False).response == R.NON_CR_NON_PD


def test_arguments_are_checked() -> None:
    """The minimum SD duration and the confirmation window must be sensible."""
    with pytest.raises(RecistError, match="min_sd_days"):
        bor([], min_sd_days=-1)
    with pytest.raises(RecistError, match="confirmation_days"):
        bor([], confirmation_days=0)
