"""Kaplan–Meier estimates with a stated confidence-interval type (lifelines underneath).

Two pointwise interval types for S(t), both from Greenwood's variance
V(t) = Σ d_i / (n_i (n_i − d_i)) of log S(t) (Kalbfleisch & Prentice 2002, §1.4):

- ``"log-log"`` (lifelines' only type, SAS PROC LIFETEST's default):
  exp(−exp(log(−log S) ± z √V / log S)).
- ``"log"`` (R survival `survfit`'s default, conf.type = "log"): S · exp(± z √V), upper
  bound capped at 1. lifelines has no option for it, so it is computed here from
  lifelines' event table.

The median is the first time S(t) ≤ 0.5 (lifelines; R takes the midpoint when S stays at
exactly 0.5 over an interval). Its confidence interval is where the pointwise bands cross
0.5 (Brookmeyer & Crowley, Biometrics 1982;38:29–41): the lower limit is the first time
the lower band is ≤ 0.5, the upper limit the first time the upper band is; None = not
reached — also when S reaches 0 before the upper band crosses 0.5, where R gives NA. At
tied times events come before censorings (a subject censored at t was at risk at t), as
in lifelines and R.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from lifelines import KaplanMeierFitter
from scipy.stats import norm

from trialdesk.errors import AnalysisError

SurvivalCI = Literal["log", "log-log"]
SURVIVAL_CI_NAMES: dict[str, str] = {
    "log": "log (R survfit default)",
    "log-log": "log-log, exp(−exp) (lifelines default)",
}


@dataclass(frozen=True, slots=True)
class SurvivalPoint:
    """S(t) with its pointwise interval at one time; None where not estimable."""

    time: float
    survival: float | None
    lower: float | None
    upper: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "survival": self.survival, "ci_lower": self.lower, "ci_upper": self.upper}


@dataclass(frozen=True, slots=True)
class SurvivalEstimate:
    """A Kaplan–Meier fit: counts, median with CI, landmark survival, numbers at risk."""

    name: str
    time_unit: str
    n: int
    events: int
    median: float | None
    median_lower: float | None
    median_upper: float | None
    ci_type: SurvivalCI
    confidence: float
    landmarks: tuple[SurvivalPoint, ...] = ()
    at_risk: tuple[tuple[float, int], ...] = ()
    table: tuple[SurvivalPoint, ...] = field(default=(), repr=False)
    definition: str = ""

    @property
    def censored(self) -> int:
        return self.n - self.events

    def survival_at(self, time: float) -> SurvivalPoint:
        """S(time) from the step function; None beyond the last observed time."""
        return _point_at(self.table, time, self.n)

    def __str__(self) -> str:
        def fmt(x: float | None) -> str:
            return "NR" if x is None else f"{x:.1f}"

        pct = f"{100 * self.confidence:g}%"
        lines = [
            f"{self.name}: n={self.n}, events={self.events}, censored={self.censored}; "
            f"median {fmt(self.median)}{'' if self.median is None else ' ' + self.time_unit} ({pct} CI {fmt(self.median_lower)}–{fmt(self.median_upper)}, "
            f"{SURVIVAL_CI_NAMES[self.ci_type]})"
        ]
        for point in self.landmarks:
            if point.survival is None:
                lines.append(f"  S({point.time:g} {self.time_unit}): not estimable")
            else:
                lines.append(
                    f"  S({point.time:g} {self.time_unit}) = {100 * point.survival:.1f}% "
                    f"({pct} CI {100 * (point.lower or 0):.1f}–{100 * (point.upper or 0):.1f}%)"
                )
        if self.at_risk:
            lines.append("  at risk: " + ", ".join(f"{t:g}: {k}" for t, k in self.at_risk))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "definition": self.definition,
            "time_unit": self.time_unit,
            "n": self.n,
            "events": self.events,
            "censored": self.censored,
            "median": self.median,
            "median_ci_lower": self.median_lower,
            "median_ci_upper": self.median_upper,
            "ci_type": self.ci_type,
            "confidence": self.confidence,
            "landmarks": [p.to_dict() for p in self.landmarks],
            "at_risk": [{"time": t, "n_at_risk": k} for t, k in self.at_risk],
            "table": [p.to_dict() for p in self.table],
        }


def kaplan_meier(
    durations: Sequence[float],
    events: Sequence[bool],
    *,
    name: str,
    time_unit: str = "months",
    ci_type: SurvivalCI = "log-log",
    confidence: float = 0.95,
    landmarks: Sequence[float] = (),
    at_risk_times: Sequence[float] = (),
    definition: str = "",
) -> SurvivalEstimate:
    """Fit a Kaplan–Meier estimate (lifelines `KaplanMeierFitter`) and summarise it.

    Example (Freireich 6-MP arm, weeks; Kleinbaum & Klein, Survival Analysis, 3rd ed., ch. 2)
    -------
    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> kaplan_meier(t, [bool(x) for x in e], name="6-MP", time_unit="weeks").median
    23.0
    """
    _check(durations, events, ci_type, confidence)
    n, n_events = len(durations), sum(bool(e) for e in events)
    if n == 0:
        table: tuple[SurvivalPoint, ...] = ()
    else:
        table = _table(durations, events, ci_type, confidence)
    return SurvivalEstimate(
        name=name,
        time_unit=time_unit,
        n=n,
        events=n_events,
        median=_first_at_or_below(table, "survival"),
        median_lower=_first_at_or_below(table, "lower"),
        median_upper=_first_at_or_below(table, "upper"),
        ci_type=ci_type,
        confidence=confidence,
        landmarks=tuple(_point_at(table, t, n) for t in landmarks),
        at_risk=tuple((float(t), sum(1 for d in durations if d >= t)) for t in at_risk_times),
        table=table,
        definition=definition,
    )


def _check(durations: Sequence[float], events: Sequence[bool], ci_type: str, confidence: float) -> None:
    if len(durations) != len(events):
        raise AnalysisError(f"{len(durations)} durations but {len(events)} event flags", fix="give one per subject")
    if any(d < 0 or math.isnan(d) for d in durations):
        raise AnalysisError("a duration is negative or missing", fix="check the event and origin dates")
    if ci_type not in SURVIVAL_CI_NAMES:
        raise AnalysisError(f"survival CI type is {ci_type!r}", fix="use 'log' or 'log-log'")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence is {confidence}", fix="give a level between 0 and 1, e.g. 0.95")


def _table(
    durations: Sequence[float], events: Sequence[bool], ci_type: SurvivalCI, confidence: float
) -> tuple[SurvivalPoint, ...]:
    """S(t) and its band at 0 and at every distinct observed time."""
    fitter = KaplanMeierFitter(alpha=1 - confidence)
    fitter.fit(np.asarray(durations, dtype=float), np.asarray(events, dtype=bool))
    times = [float(t) for t in fitter.survival_function_.index]
    survival = [float(s) for s in fitter.survival_function_.iloc[:, 0]]
    table = fitter.event_table
    at_risk = [float(x) for x in table["at_risk"]]
    observed = [float(x) for x in table["observed"]]
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    points: list[SurvivalPoint] = []
    greenwood = 0.0
    for time, s, n_i, d_i in zip(times, survival, at_risk, observed, strict=True):
        greenwood += d_i / (n_i * (n_i - d_i)) if n_i > d_i else math.inf
        lower, upper = _band(s, greenwood, z, ci_type)
        points.append(SurvivalPoint(time, s, lower, upper))
    return tuple(points)


def _band(s: float, variance: float, z: float, ci_type: SurvivalCI) -> tuple[float | None, float | None]:
    """The pointwise interval of S; (1, 1) before any event, None once S = 0."""
    if s >= 1.0:
        return 1.0, 1.0
    if s <= 0.0 or math.isinf(variance):
        return None, None
    se = math.sqrt(variance)
    if ci_type == "log":
        return s * math.exp(-z * se), min(1.0, s * math.exp(z * se))
    log_s = math.log(s)
    return (
        math.exp(-math.exp(math.log(-log_s) - z * se / log_s)),
        math.exp(-math.exp(math.log(-log_s) + z * se / log_s)),
    )


def _first_at_or_below(table: Sequence[SurvivalPoint], attribute: str) -> float | None:
    # Where S reaches 0 the band is undefined (None), and a band that has not crossed 0.5
    # before then gives no limit: R's survfit prints NA there (aml, Nonmaintained arm:
    # median 23, 0.95LCL 8, 0.95UCL NA although the last subject dies at 45).
    for point in table:
        value = getattr(point, attribute)
        if value is not None and value <= 0.5:
            return point.time
    return None


def _point_at(table: Sequence[SurvivalPoint], time: float, n: int) -> SurvivalPoint:
    if n == 0 or not table or time > table[-1].time:
        return SurvivalPoint(float(time), None, None, None)
    last = table[0]
    for point in table:
        if point.time > time:
            break
        last = point
    return SurvivalPoint(float(time), last.survival, last.lower, last.upper)
