"""Target-lesion arithmetic at its exact boundaries, missing lesions, new lesions and the
hindsight rule for equivocal new lesions (RECIST 1.1 §4.3.1, §4.3.2, §4.3.5, §4.4.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.recist.builders import BASELINE_DAY, assessment, non_target, subject, target, visit
from trialdesk.errors import RecistError
from trialdesk.recist import NewLesions, Response, TimePointResponse, assess_time_point, time_point_responses

R = Response


def one_visit(
    baseline: list[dict[str, Any]], follow_up: list[dict[str, Any]], nadir_mm: Decimal | None = None
) -> TimePointResponse:
    return assess_time_point(
        assessment(visit(BASELINE_DAY, baseline)), assessment(visit(56, follow_up)), nadir_mm=nadir_mm
    )


def test_exactly_30_percent_decrease_is_pr() -> None:
    """§4.3.1 PR: "at least a 30 % decrease" — 100 mm to 70 mm is exactly −30 %: PR."""
    result = one_visit([target("T1", 60), target("T2", 40)], [target("T1", 42), target("T2", 28)])
    assert (result.target, result.change_from_baseline_pct) == (R.PR, Decimal("-30.0"))


def test_just_under_30_percent_decrease_is_sd() -> None:
    """§4.3.1: 100 mm to 70.1 mm is −29.9 %, short of PR: SD."""
    assert one_visit([target("T1", 100)], [target("T1", 70.1)]).target == R.SD


def test_20_percent_but_4_mm_is_not_pd() -> None:
    """§4.3.1 PD needs ≥ 20 % AND ≥ 5 mm over the nadir: 20 mm to 24 mm is +20 % but only
    +4 mm — not PD (SD)."""
    result = one_visit([target("T1", 20)], [target("T1", 24)])
    assert (result.target, result.change_from_nadir_pct, result.change_from_nadir_mm) == (
        R.SD,
        Decimal("20.0"),
        Decimal(4),
    )


def test_20_percent_and_5_mm_is_pd() -> None:
    """§4.3.1: 25 mm to 30 mm is +20 % and +5 mm — both thresholds met exactly: PD."""
    assert one_visit([target("T1", 25)], [target("T1", 30)]).target == R.PD


def test_19_percent_is_not_pd_however_many_mm() -> None:
    """§4.3.1: 100 mm to 119 mm is +19 mm but only +19 %: not PD."""
    assert one_visit([target("T1", 100)], [target("T1", 119)]).target == R.SD


def test_progression_is_measured_from_the_nadir() -> None:
    """§4.3.1: PD takes as reference the smallest sum on study. Baseline 100, nadir 60: 72 mm
    is −28 % from baseline yet +20 % and +12 mm from the nadir — PD."""
    result = one_visit([target("T1", 100)], [target("T1", 72)], nadir_mm=Decimal(60))
    assert result.target == R.PD


def test_node_shrinking_to_9_mm_counts_for_cr() -> None:
    """§4.3.1 CR: non-nodal targets gone and every target node < 10 mm short axis; §4.3.2:
    the sum then need not be 0. A node from 20 to 9 mm with the liver lesion gone: CR, sum 9."""
    result = one_visit(
        [target("T1", 30, site="liver"), target("T2", 20, node=True)],
        [target("T1", 0, site="liver"), target("T2", 9, node=True)],
    )
    assert (result.target, result.sum_mm) == (R.CR, Decimal(9))


def test_node_at_10_mm_is_not_cr() -> None:
    """§4.3.1: a node of 10 mm is not < 10 mm, so not CR (here −80 %: PR)."""
    result = one_visit(
        [target("T1", 30, site="liver"), target("T2", 20, node=True)],
        [target("T1", 0, site="liver"), target("T2", 10, node=True)],
    )
    assert result.target == R.PR


def test_too_small_to_measure_is_not_cr() -> None:
    """§4.3.2: a lesion too small to measure is recorded as 5 mm — it is present, so not CR."""
    assert one_visit([target("T1", 30)], [target("T1", 5)]).target == R.PR


def test_new_lesion_at_first_follow_up_is_pd() -> None:
    """§4.3.5 and Table 1 row 9: an unequivocal new lesion is PD even with shrinking targets."""
    base = assessment(visit(BASELINE_DAY, [target("T1", 50)]))
    follow = assessment(visit(42, [target("T1", 20)], [{"site": "bone"}]))
    result = assess_time_point(base, follow)
    assert (result.target, result.new_lesions, result.overall) == (R.PR, NewLesions.YES, R.PD)


def test_missing_lesion_but_pd_already_shown() -> None:
    """§4.4.2 example: baseline sum 50 mm over three lesions; at follow-up two are measured
    and already sum to 80 mm — PD, whatever the third contributes."""
    result = one_visit(
        [target("T1", 20), target("T2", 15), target("T3", 15)], [target("T1", 45), target("T2", 35), target("T3", None)]
    )
    assert (result.target, result.overall, result.sum_mm, result.assessed_sum_mm) == (R.PD, R.PD, None, Decimal(80))


def test_missing_lesion_otherwise_ne() -> None:
    """§4.4.2: when some target lesions are not assessed and the rest does not settle it,
    the time point is NE — even if those measured have shrunk."""
    result = one_visit([target("T1", 30), target("T2", 30)], [target("T1", 10)])
    assert (result.target, result.overall) == (R.NE, R.NE)


def test_non_target_node_normalised_is_cr() -> None:
    """§4.3.3 CR: all non-target lesions gone, nodes non-pathological (< 10 mm): recorded
    as absent. With target CR: Table 1 row 1, CR."""
    result = one_visit(
        [target("T1", 30), non_target("N1", "present", node=True, site="lymph node")],
        [target("T1", 0), non_target("N1", "absent", node=True, site="lymph node")],
    )
    assert (result.non_target, result.overall) == (R.CR, R.CR)


def test_nadir_follows_the_smallest_sum() -> None:
    """§4.3.1: the nadir is the smallest sum on study, baseline included: 100 → 60 → 80 → 71
    gives references 100, 60, 60 — 80 is PD (+33 %, +20 mm); 71 is not (+18.3 % over the
    nadir) nor PR (−29 % from baseline): SD."""
    s = subject(
        visit(BASELINE_DAY, [target("T1", 100)]),
        visit(42, [target("T1", 60)]),
        visit(84, [target("T1", 80)]),
        visit(126, [target("T1", 71)]),
    )
    results = time_point_responses(s)
    assert [r.nadir_mm for r in results] == [100, 60, 60]
    assert [r.target for r in results] == [R.PR, R.PD, R.SD]


def test_equivocal_new_lesion_confirmed_later_dates_pd_back() -> None:
    """§4.3.5: if repeat scans confirm a new lesion first seen as equivocal, progression is
    declared from the date of the initial scan. The first visit becomes PD with hindsight;
    what it showed alone (SD) is kept as `as_assessed`."""
    s = subject(
        visit(BASELINE_DAY, [target("T1", 40)]),
        visit(42, [target("T1", 38)], [{"site": "liver", "equivocal": True}]),
        visit(84, [target("T1", 38)], [{"site": "liver", "equivocal": False}]),
    )
    first, second = time_point_responses(s)
    assert (first.as_assessed, first.overall, first.new_lesion_confirmed_on) == (R.SD, R.PD, second.date)
    assert second.overall == R.PD


def test_equivocal_new_lesion_never_confirmed_stays() -> None:
    """§4.3.5: an equivocal lesion not confirmed later is not progression."""
    s = subject(
        visit(BASELINE_DAY, [target("T1", 40)]),
        visit(42, [target("T1", 38)], [{"site": "liver", "equivocal": True}]),
        visit(84, [target("T1", 38)]),
    )
    assert [r.overall for r in time_point_responses(s)] == [R.SD, R.SD]


def test_unequivocal_lesion_elsewhere_does_not_date_back() -> None:
    """§4.3.5: the hindsight applies to the lesion first seen as equivocal; a new lesion at
    another site is PD from its own scan only."""
    s = subject(
        visit(BASELINE_DAY, [target("T1", 40)]),
        visit(42, [target("T1", 38)], [{"site": "liver", "equivocal": True}]),
        visit(84, [target("T1", 38)], [{"site": "brain"}]),
    )
    assert [r.overall for r in time_point_responses(s)] == [R.SD, R.PD]


def test_invalid_baseline_stops_the_assessment() -> None:
    """§4.2: responses are not derived from a selection that breaks the rules."""
    s = subject(visit(BASELINE_DAY, [target("T1", 8)]), visit(42, [target("T1", 8)]))
    with pytest.raises(RecistError, match=r"(?s)subject S1, visit baseline .*lesion T1"):
        time_point_responses(s)
