"""Kaplan–Meier curve with its pointwise band, censoring marks and the numbers at risk
printed under the time axis at each tick (the layout of Pocock SJ et al., Lancet
2002;359:1686–1689: the at-risk counts make the tail of the curve readable)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialdesk.analysis.censoring import DAYS_PER_MONTH, TimeToEvent
from trialdesk.analysis.figures.canvas import new_figure, style
from trialdesk.analysis.survival import SurvivalEstimate
from trialdesk.errors import AnalysisError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CURVE_AXES = "survival"
AT_RISK_AXES = "number at risk"


@dataclass(frozen=True, slots=True)
class KaplanMeierCurve:
    """A fitted estimate with the durations (months) and event flags it was fitted on."""

    estimate: SurvivalEstimate
    durations: tuple[float, ...]
    events: tuple[bool, ...]

    @classmethod
    def of(cls, estimate: SurvivalEstimate, times: Sequence[TimeToEvent]) -> KaplanMeierCurve:
        """The curve of `estimate`, fitted (by `EndpointAnalysis`) on `times` in months."""
        if len(times) != estimate.n:
            raise AnalysisError(
                f"{estimate.name}: {len(times)} times for an estimate of {estimate.n} subjects",
                fix="pass the times the estimate was fitted on",
            )
        return cls(estimate, tuple(t.days / DAYS_PER_MONTH for t in times), tuple(t.event for t in times))


def tick_times(durations: Sequence[float], step: float = 3.0) -> tuple[float, ...]:
    """0, step, 2·step, … up to the first multiple of `step` at or past the longest time."""
    if step <= 0:
        raise AnalysisError(f"tick step is {step}", fix="give a positive step, e.g. 3 (months)")
    last = max(durations, default=0.0)
    return tuple(step * k for k in range(math.ceil(last / step) + 1 if last > 0 else 2))


def at_risk_counts(durations: Sequence[float], ticks: Sequence[float]) -> tuple[int, ...]:
    """Subjects still at risk just before each tick: time ≥ tick (event or censored at
    the tick itself still counts, as in lifelines' event table and R's n.risk)."""
    return tuple(sum(1 for d in durations if d >= t) for t in ticks)


def plot_kaplan_meier(curve: KaplanMeierCurve, *, step: float = 3.0, title: str | None = None) -> Figure:
    """Step curve of S(t) with its band (the estimate's CI type), + at each censoring, the
    median marked, and a row of numbers at risk under the axis at every tick."""
    estimate = curve.estimate
    ticks = tick_times(curve.durations, step)
    with style():
        figure = new_figure(6.5, 4.4)
        grid = figure.add_gridspec(2, 1, height_ratios=(5, 1))
        axes = figure.add_subplot(grid[0], label=CURVE_AXES)
        below = figure.add_subplot(grid[1], sharex=axes, label=AT_RISK_AXES)
        if estimate.n == 0:
            axes.text(0.5, 0.5, f"{estimate.name}: no subject to estimate", ha="center", transform=axes.transAxes)
        else:
            _draw_curve(axes, curve)
        axes.set_ylim(-0.02, 1.02)
        axes.set_ylabel(f"{estimate.name} probability")
        axes.set_xticks(ticks)
        axes.tick_params(labelbottom=True)
        axes.set_xlim(ticks[0], ticks[-1] if ticks[-1] > 0 else 1.0)
        axes.set_xlabel(
            f"Time from {'first response' if estimate.name == 'DOR' else 'first dose'} ({estimate.time_unit})"
        )
        axes.set_title(title or _title(estimate), fontsize=9)
        for tick, count in zip(ticks, at_risk_counts(curve.durations, ticks), strict=True):
            below.text(tick, 0.5, str(count), ha="center", va="center", fontsize=8)
        below.set_ylim(0, 1)
        below.set_yticks([])
        below.set_ylabel("At risk", rotation=0, ha="right", va="center", fontsize=8, labelpad=14)
        below.tick_params(axis="x", bottom=False, labelbottom=False)
        for side in ("top", "right", "bottom", "left"):
            below.spines[side].set_visible(False)
    return figure


def _draw_curve(axes: Axes, curve: KaplanMeierCurve) -> None:
    table = curve.estimate.table
    times = [p.time for p in table]
    survival = [p.survival if p.survival is not None else math.nan for p in table]
    lower = [p.lower if p.lower is not None else math.nan for p in table]
    upper = [p.upper if p.upper is not None else math.nan for p in table]
    # carry the last step on to the longest follow-up, so the curve ends where data end
    end = max(curve.durations)
    if times and end > times[-1]:
        times, survival, lower, upper = (
            [*times, end],
            [*survival, survival[-1]],
            [*lower, lower[-1]],
            [*upper, upper[-1]],
        )
    axes.fill_between(times, lower, upper, step="post", color="#0072B2", alpha=0.15, linewidth=0)
    axes.step(times, survival, where="post", color="#0072B2", linewidth=1.5)
    censored = sorted(d for d, e in zip(curve.durations, curve.events, strict=True) if not e)
    marks = [curve.estimate.survival_at(d).survival for d in censored]
    axes.plot(censored, [m if m is not None else math.nan for m in marks], "+", color="#0072B2", markersize=6)
    median = curve.estimate.median
    if median is not None:
        axes.plot([0, median, median], [0.5, 0.5, 0.0], color="#666666", linestyle=":", linewidth=0.8)


def _title(estimate: SurvivalEstimate) -> str:
    def fmt(x: float | None) -> str:
        return "NR" if x is None else f"{x:.1f}"

    pct = f"{100 * estimate.confidence:g}%"
    return (
        f"{estimate.name}: n = {estimate.n}, events = {estimate.events}; median {fmt(estimate.median)} "
        f"({pct} CI {fmt(estimate.median_lower)}–{fmt(estimate.median_upper)}, {estimate.ci_type})"
    )
