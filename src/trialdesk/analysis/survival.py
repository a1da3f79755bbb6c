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

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
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
    duration_array, event_array = _checked(durations, events, ci_type, confidence)
    n = len(duration_array)
    curve = _Curve.empty() if n == 0 else _fit(duration_array, event_array, ci_type, confidence)
    table = curve.points()
    return SurvivalEstimate(
        name=name,
        time_unit=time_unit,
        n=n,
        events=int(np.count_nonzero(event_array)),
        median=curve.first_at_or_below(curve.survival),
        median_lower=curve.first_at_or_below(curve.lower),
        median_upper=curve.first_at_or_below(curve.upper),
        ci_type=ci_type,
        confidence=confidence,
        landmarks=tuple(_point_at(table, t, n) for t in landmarks),
        at_risk=tuple(zip((float(t) for t in at_risk_times), curve.at_risk_at(at_risk_times), strict=True)),
        table=table,
        definition=definition,
    )


def _checked(
    durations: Sequence[float], events: Sequence[bool], ci_type: str, confidence: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The inputs as arrays, or an AnalysisError naming what is wrong with them."""
    if len(durations) != len(events):
        raise AnalysisError(f"{len(durations)} durations but {len(events)} event flags", fix="give one per subject")
    duration_array = np.asarray(durations, dtype=np.float64)
    # NaN compares false, so one pass catches missing as well as negative durations
    if not np.all(duration_array >= 0):
        raise AnalysisError("a duration is negative or missing", fix="check the event and origin dates")
    if ci_type not in SURVIVAL_CI_NAMES:
        raise AnalysisError(f"survival CI type is {ci_type!r}", fix="use 'log' or 'log-log'")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence is {confidence}", fix="give a level between 0 and 1, e.g. 0.95")
    return duration_array, np.asarray(events, dtype=np.bool_)


@dataclass(frozen=True, slots=True)
class _Curve:
    """The step function as parallel arrays over 0 and every distinct observed time; NaN
    in a band where it is not estimable (S = 0)."""

    times: npt.NDArray[np.float64]
    survival: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    at_risk: npt.NDArray[np.int64]

    @classmethod
    def empty(cls) -> _Curve:
        none = np.empty(0, dtype=np.float64)
        return cls(none, none, none, none, np.empty(0, dtype=np.int64))

    def points(self) -> tuple[SurvivalPoint, ...]:
        return tuple(
            map(
                SurvivalPoint,
                self.times.tolist(),
                self.survival.tolist(),
                _floats_or_none(self.lower),
                _floats_or_none(self.upper),
            )
        )

    def first_at_or_below(self, values: npt.NDArray[np.float64]) -> float | None:
        # Where S reaches 0 the band is undefined (NaN), and a band that has not crossed 0.5
        # before then gives no limit: R's survfit prints NA there (aml, Nonmaintained arm:
        # median 23, 0.95LCL 8, 0.95UCL NA although the last subject dies at 45).
        crossed = np.flatnonzero(values <= 0.5)
        return float(self.times[crossed[0]]) if len(crossed) else None

    def at_risk_at(self, times: Sequence[float]) -> list[int]:
        """Subjects with duration ≥ t: those at risk at the first distinct time ≥ t, none
        beyond the last one."""
        if not len(times):
            return []
        index = np.searchsorted(self.times, np.asarray(times, dtype=np.float64), side="left")
        padded = np.append(self.at_risk, 0)
        return [int(k) for k in padded[index]]


def _fit(
    durations: npt.NDArray[np.float64], events: npt.NDArray[np.bool_], ci_type: SurvivalCI, confidence: float
) -> _Curve:
    fitter = KaplanMeierFitter(alpha=1 - confidence)
    fitter.fit(durations, events)
    times = fitter.survival_function_.index.to_numpy(dtype=np.float64)
    survival = fitter.survival_function_.iloc[:, 0].to_numpy(dtype=np.float64)
    at_risk = fitter.event_table["at_risk"].to_numpy(dtype=np.int64)
    n_i = at_risk.astype(np.float64)
    d_i = fitter.event_table["observed"].to_numpy(dtype=np.float64)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        # n = d only where everyone still at risk dies: S is 0 from there on and log S
        # has no finite variance (lifelines adds 0 there instead)
        terms = np.where(n_i > d_i, d_i / (n_i * (n_i - d_i)), np.inf)
        # cumsum adds in time order, one term after another, so the sums are the same
        # floats as a running total would give
        se = np.sqrt(np.cumsum(terms))
        lower, upper = _band(survival, se, z, ci_type)
    return _Curve(times, survival, lower, upper, at_risk)


def _band(
    s: npt.NDArray[np.float64], se: npt.NDArray[np.float64], z: float, ci_type: SurvivalCI
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The pointwise interval of S; (1, 1) before any event, NaN once S = 0."""
    if ci_type == "log":
        lower = s * np.exp(-z * se)
        upper = np.minimum(1.0, s * np.exp(z * se))
    else:
        log_s = np.log(s)
        log_minus_log_s = np.log(-log_s)
        lower = np.exp(-np.exp(log_minus_log_s - z * se / log_s))
        upper = np.exp(-np.exp(log_minus_log_s + z * se / log_s))
    not_estimable = (s <= 0.0) | np.isinf(se)
    lower[not_estimable] = np.nan
    upper[not_estimable] = np.nan
    # S = 1 before the first event: log S = 0 leaves the log-log band undefined (0/0)
    no_event_yet = s >= 1.0
    lower[no_event_yet] = 1.0
    upper[no_event_yet] = 1.0
    return lower, upper


def _floats_or_none(values: npt.NDArray[np.float64]) -> list[float | None]:
    boxed = values.astype(object)
    boxed[np.isnan(values)] = None
    result: list[float | None] = boxed.tolist()
    return result


def _point_at(table: Sequence[SurvivalPoint], time: float, n: int) -> SurvivalPoint:
    if n == 0 or not table or time > table[-1].time:
        return SurvivalPoint(float(time), None, None, None)
    # the step in force at `time` is the last one at or before it (the one at 0 for earlier times)
    last = table[max(0, bisect_right(table, time, key=attrgetter("time")) - 1)]
    return SurvivalPoint(float(time), last.survival, last.lower, last.upper)
