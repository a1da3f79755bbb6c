"""Kaplan–Meier estimates on the Freireich et al. (Blood 1963;21:699–716) 6-MP arm, as
tabulated in Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text" (3rd ed., 2012),
ch. 2, and in R as `MASS::gehan` (treat == "6-MP"). Weeks in remission, * = censored:
6,6,6,6*,7,9*,10,10*,11*,13,16,17*,19*,20*,22,23,25*,32*,32*,34*,35*.

Kleinbaum & Klein give S(10) = 0.753 and median 23 weeks. The "log" bands are R's
`summary(survfit(Surv(time, cens) ~ 1, data = gehan, subset = treat == "6-MP"))`
(conf.type "log", the default): lower 0.720 0.653 0.586 0.510 0.439 0.337 0.249, upper
1.000 0.996 0.968 0.935 0.896 0.858 0.807 at 6 7 10 13 16 22 23; `print(survfit(...))`
gives median 23, 0.95LCL 16, 0.95UCL NA. Each is also recomputed here by hand.
"""

from __future__ import annotations

import math

import pytest
from lifelines import KaplanMeierFitter

from trialdesk.analysis import kaplan_meier
from trialdesk.errors import AnalysisError

TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
EVENTS = [bool(e) for e in [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]]
# (time, at risk, deaths) at each event time, counted from the list above
EVENT_TABLE = [(6, 21, 3), (7, 17, 1), (10, 15, 1), (13, 12, 1), (16, 11, 1), (22, 7, 1), (23, 6, 1)]
R_LOG_LOWER = [0.720, 0.653, 0.586, 0.510, 0.439, 0.337, 0.249]
R_LOG_UPPER = [1.000, 0.996, 0.968, 0.935, 0.896, 0.858, 0.807]
Z = 1.959963984540054


def hand_product_limit() -> list[tuple[float, float, float]]:
    """(time, S, Greenwood Σ d/(n(n−d))) at each event time."""
    s, v, rows = 1.0, 0.0, []
    for time, n, d in EVENT_TABLE:
        s *= (n - d) / n
        v += d / (n * (n - d))
        rows.append((float(time), s, v))
    return rows


def test_survival_at_10_weeks_is_kleinbaum_and_kleins_0_753() -> None:
    estimate = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks", landmarks=[10])
    assert estimate.landmarks[0].survival == pytest.approx(0.753, abs=5e-4)
    assert estimate.landmarks[0].survival == pytest.approx(hand_product_limit()[2][1])


def test_median_is_23_weeks() -> None:
    estimate = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks")
    assert estimate.median == 23.0
    assert (estimate.n, estimate.events, estimate.censored) == (21, 9, 12)


def test_log_bands_match_r_survfit_and_the_hand_formula() -> None:
    estimate = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks", ci_type="log")
    for (time, s, v), r_lower, r_upper in zip(hand_product_limit(), R_LOG_LOWER, R_LOG_UPPER, strict=True):
        point = estimate.survival_at(time)
        assert point.survival == pytest.approx(s)
        assert point.lower == pytest.approx(s * math.exp(-Z * math.sqrt(v)))
        assert point.upper == pytest.approx(min(1.0, s * math.exp(Z * math.sqrt(v))))
        assert round(point.lower or 0, 3) == r_lower
        assert round(point.upper or 0, 3) == r_upper


def test_log_median_ci_is_r_survfits_16_to_not_reached() -> None:
    estimate = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks", ci_type="log")
    assert (estimate.median_lower, estimate.median_upper) == (16.0, None)


def test_log_log_bands_are_lifelines_and_the_hand_formula() -> None:
    estimate = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks", ci_type="log-log")
    reference = KaplanMeierFitter().fit(TIMES, EVENTS).confidence_interval_
    for time, s, v in hand_product_limit():
        point = estimate.survival_at(time)
        half = Z * math.sqrt(v) / math.log(s)
        assert point.lower == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) - half)))
        assert point.upper == pytest.approx(math.exp(-math.exp(math.log(-math.log(s)) + half)))
        assert point.lower == pytest.approx(float(reference.loc[time].iloc[0]))
        assert point.upper == pytest.approx(float(reference.loc[time].iloc[1]))
    # the lower band first falls to ≤ 0.5 at 13 weeks (0.432), as lifelines' median_survival_times says
    assert (estimate.median_lower, estimate.median_upper) == (13.0, None)


def test_all_censored_median_not_reached() -> None:
    estimate = kaplan_meier([3.0, 5.0, 8.0], [False, False, False], name="all censored", landmarks=[4, 9])
    assert (estimate.median, estimate.median_lower, estimate.median_upper) == (None, None, None)
    assert estimate.landmarks[0].survival == 1.0
    assert estimate.landmarks[1].survival is None  # beyond the last observation
    assert "median NR" in str(estimate)


def test_tied_event_and_censoring_event_counts_first() -> None:
    # 4 subjects; at t=2 one event and one censoring. Events first: at risk 4 at t=2 → S = 3/4,
    # then 2 remain; had the censoring come first, S would be 2/3.
    estimate = kaplan_meier([2.0, 2.0, 5.0, 7.0], [True, False, True, False], name="ties", at_risk_times=[2, 3])
    assert estimate.survival_at(2.0).survival == pytest.approx(0.75)
    assert estimate.survival_at(5.0).survival == pytest.approx(0.75 * 1 / 2)
    assert estimate.at_risk == ((2.0, 4), (3.0, 2))


def test_everyone_has_the_event_median_and_zero_survival() -> None:
    estimate = kaplan_meier([1.0, 2.0, 3.0, 4.0], [True] * 4, name="all events", ci_type="log")
    assert estimate.median == 2.0
    assert estimate.survival_at(4.0).survival == 0.0
    assert estimate.survival_at(4.0).lower is None


def test_no_subjects_gives_an_empty_estimate() -> None:
    estimate = kaplan_meier([], [], name="DOR", landmarks=[6])
    assert (estimate.n, estimate.median) == (0, None)
    assert estimate.landmarks[0].survival is None


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(AnalysisError, match="2 durations but 1 event"):
        kaplan_meier([1.0, 2.0], [True], name="x")
    with pytest.raises(AnalysisError, match="negative"):
        kaplan_meier([-1.0], [True], name="x")
    with pytest.raises(AnalysisError, match="'plain'"):
        kaplan_meier([1.0], [True], name="x", ci_type="plain")  # type: ignore[arg-type]


def test_to_dict_carries_the_ci_type() -> None:
    exported = kaplan_meier(TIMES, EVENTS, name="6-MP", time_unit="weeks", ci_type="log").to_dict()
    assert exported["ci_type"] == "log"
    assert exported["median"] == 23.0
    assert exported["median_ci_upper"] is None
