"""`kaplan_meier` on generated samples (Hypothesis) against a straightforward per-time
recomputation written out here: at every distinct time (and 0), count who is at risk
(duration ≥ t) and who dies there, multiply S by (n − d)/n, add d/(n(n − d)) to
Greenwood's sum and apply the band formula to S and that sum. Durations are drawn on a
half-unit grid so that ties — several events, or events and censorings, on one day —
are common; all-censored, all-event and empty samples turn up too.

Also: at-risk counts are the subjects with duration ≥ t, landmarks and `survival_at`
are the step in force at t, the median and its limits are the first times S and the
bands are ≤ 0.5, and the log-log band is lifelines' own `confidence_interval_` wherever
0 < S < 1 (lifelines' `KaplanMeierFitter._bounds` uses the same formula and Greenwood
sum; at S = 0 it reports 0 where we report no band).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from trialdesk.analysis import SurvivalEstimate, SurvivalPoint, kaplan_meier
from trialdesk.analysis.survival import SurvivalCI

Row = tuple[float, float, float | None, float | None]
GRID = st.integers(0, 24).map(lambda k: k / 2)
CI_TYPES: list[SurvivalCI] = ["log", "log-log"]


@st.composite
def samples(draw: st.DrawFn) -> tuple[list[float], list[bool]]:
    durations = draw(st.lists(GRID, max_size=40))
    n = len(durations)
    events = draw(st.one_of(st.lists(st.booleans(), min_size=n, max_size=n), st.just([False] * n), st.just([True] * n)))
    return durations, events


def reference_table(durations: list[float], events: list[bool], ci_type: SurvivalCI, confidence: float) -> list[Row]:
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    s, greenwood, rows = 1.0, 0.0, []
    for t in sorted({0.0, *durations}):
        at_risk = sum(1 for d in durations if d >= t)
        deaths = sum(1 for d, e in zip(durations, events, strict=True) if d == t and e)
        s *= (at_risk - deaths) / at_risk
        greenwood = greenwood + deaths / (at_risk * (at_risk - deaths)) if at_risk > deaths else math.inf
        rows.append((t, s, *reference_band(s, greenwood, z, ci_type)))
    return rows


def reference_band(s: float, greenwood: float, z: float, ci_type: SurvivalCI) -> tuple[float | None, float | None]:
    if s == 1.0:
        return 1.0, 1.0
    if s == 0.0:
        return None, None
    se = math.sqrt(greenwood)
    if ci_type == "log":
        return s * math.exp(-z * se), min(1.0, s * math.exp(z * se))
    log_s = math.log(s)
    return (
        math.exp(-math.exp(math.log(-log_s) - z * se / log_s)),
        math.exp(-math.exp(math.log(-log_s) + z * se / log_s)),
    )


def approx_or_none(value: float | None) -> object:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-12)


def step_at(table: tuple[SurvivalPoint, ...], time: float) -> SurvivalPoint | None:
    """The last row at or before `time` (the first row for earlier times), by a plain scan."""
    if not table or time > table[-1].time:
        return None
    in_force = table[0]
    for point in table:
        if point.time <= time:
            in_force = point
    return in_force


def first_time_at_or_below_half(table: tuple[SurvivalPoint, ...], column: str) -> float | None:
    for point in table:
        value = getattr(point, column)
        if value is not None and value <= 0.5:
            return point.time
    return None


@settings(max_examples=300, deadline=None)
@given(
    sample=samples(),
    ci_type=st.sampled_from(CI_TYPES),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    probes=st.lists(st.integers(-2, 52).map(lambda k: k / 4), max_size=8),
)
@example(sample=([3.0, 5.0, 8.0], [False, False, False]), ci_type="log-log", confidence=0.95, probes=[0.0, 4.0, 9.0])
@example(sample=([2.0, 2.0, 5.0, 7.0], [True, False, True, False]), ci_type="log", confidence=0.95, probes=[2.0, 3.0])
@example(sample=([1.0, 1.0, 2.0], [True, True, True]), ci_type="log", confidence=0.95, probes=[1.0, 1.5, 2.0])
@example(sample=([0.0, 0.0, 4.0], [True, False, True]), ci_type="log-log", confidence=0.9, probes=[0.0, 4.0, 4.5])
@example(sample=([], []), ci_type="log", confidence=0.95, probes=[0.0, 1.0])
def test_kaplan_meier_matches_a_per_time_recomputation(
    sample: tuple[list[float], list[bool]], ci_type: SurvivalCI, confidence: float, probes: list[float]
) -> None:
    durations, events = sample
    # probe at the observed times too, where ties of at-risk counting (≥, not >) matter
    probes = [*probes, *durations[:4]]
    estimate = kaplan_meier(
        durations,
        events,
        name="generated",
        ci_type=ci_type,
        confidence=confidence,
        landmarks=probes,
        at_risk_times=probes,
    )
    check_table(estimate, durations, events)
    check_lookups(estimate, durations, probes)


def check_table(estimate: SurvivalEstimate, durations: list[float], events: list[bool]) -> None:
    assert (estimate.n, estimate.events) == (len(durations), sum(events))
    expected = reference_table(durations, events, estimate.ci_type, estimate.confidence) if durations else []
    assert [point.time for point in estimate.table] == [row[0] for row in expected]
    for point, (_, s, lower, upper) in zip(estimate.table, expected, strict=True):
        assert point.survival == pytest.approx(s, rel=1e-9, abs=1e-12)
        assert point.lower == approx_or_none(lower)
        assert point.upper == approx_or_none(upper)


def check_lookups(estimate: SurvivalEstimate, durations: list[float], probes: list[float]) -> None:
    table = estimate.table
    assert estimate.at_risk == tuple((t, sum(1 for d in durations if d >= t)) for t in probes)
    for t, landmark in zip(probes, estimate.landmarks, strict=True):
        in_force = step_at(table, t)
        expected = (t, None, None, None) if in_force is None else (t, in_force.survival, in_force.lower, in_force.upper)
        assert (landmark.time, landmark.survival, landmark.lower, landmark.upper) == expected
        assert estimate.survival_at(t) == landmark
    assert estimate.median == first_time_at_or_below_half(table, "survival")
    assert estimate.median_lower == first_time_at_or_below_half(table, "lower")
    assert estimate.median_upper == first_time_at_or_below_half(table, "upper")


@settings(max_examples=150, deadline=None)
@given(sample=samples(), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_log_log_band_is_lifelines_confidence_interval_where_0_lt_s_lt_1(
    sample: tuple[list[float], list[bool]], confidence: float
) -> None:
    durations, events = sample
    if not durations:
        return
    estimate = kaplan_meier(durations, events, name="generated", ci_type="log-log", confidence=confidence)
    interval = KaplanMeierFitter(alpha=1 - confidence).fit(durations, events).confidence_interval_
    for point, (lower, upper) in zip(estimate.table, interval.itertuples(index=False), strict=True):
        if point.survival is not None and 0 < point.survival < 1:
            assert (point.lower, point.upper) == pytest.approx((lower, upper), rel=1e-9, abs=1e-12)
