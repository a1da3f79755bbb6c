"""Swimmer plot: time on treatment per subject, with response onset, progression and
death marked and an arrow where treatment was ongoing at the data cut-off."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trialdesk.analysis.censoring import DAYS_PER_MONTH
from trialdesk.analysis.dataset import TrialSubject
from trialdesk.analysis.endpoints import SubjectEndpoints
from trialdesk.analysis.figures.canvas import RESPONSE_COLOURS, RESPONSE_ORDER, new_figure, style
from trialdesk.recist import Response

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SWIMMER_AXES = "time on treatment"


@dataclass(frozen=True, slots=True)
class SwimmerLane:
    """One subject's lane, in months from the first dose; None = did not happen (yet)."""

    subject_id: str
    best_response: str
    treatment_months: float
    ongoing: bool
    follow_up_months: float
    response_months: float | None
    progression_months: float | None
    death_months: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "best_response": self.best_response,
            "treatment_months": self.treatment_months,
            "ongoing": self.ongoing,
            "follow_up_months": self.follow_up_months,
            "response_months": self.response_months,
            "progression_months": self.progression_months,
            "death_months": self.death_months,
        }


def derive_swimmer_lanes(
    subjects: tuple[TrialSubject, ...], endpoints: tuple[SubjectEndpoints, ...]
) -> tuple[SwimmerLane, ...]:
    """A lane per treated subject, longest treatment first (ties by subject id).

    1. The subjects are as known at the cut-off (`dataset_at_cutoff`) and `endpoints`
       their derived endpoints (`EndpointAnalysis.subjects`), matched by subject id.
    2. The bar is the time on treatment (`derive_time_on_treatment`): first to last dose,
       or to the cut-off while treatment is ongoing (then `ongoing`, drawn as an arrow).
    3. Response onset is the first CR/PR of a responder (`first_response_date`);
       progression the first PD time point; death the death date; follow-up runs to the
       OS date (death or last known alive).
    4. Never-dosed subjects have no lane.
    """
    by_id = {e.subject_id: e for e in endpoints}
    lanes: list[SwimmerLane] = []
    for subject in subjects:
        found = by_id.get(subject.subject_id)
        if found is None or found.time_on_treatment is None or subject.first_dose_date is None:
            continue
        start = subject.first_dose_date

        def months(day: dt.date | None, start: dt.date = start) -> float | None:
            return None if day is None else (day - start).days / DAYS_PER_MONTH

        bor = found.best_response
        responder = bor.response in (Response.CR, Response.PR)
        lanes.append(
            SwimmerLane(
                subject_id=subject.subject_id,
                best_response=str(bor.response),
                treatment_months=found.time_on_treatment.months,
                ongoing=not found.time_on_treatment.event,
                follow_up_months=found.os.months,
                response_months=months(bor.first_response_date) if responder else None,
                progression_months=months(
                    min((a.date for a in subject.assessments if a.response == "PD"), default=None)
                ),
                death_months=months(subject.death_date),
            )
        )
    return tuple(sorted(lanes, key=lambda lane: (-lane.treatment_months, lane.subject_id)))


def plot_swimmer(lanes: tuple[SwimmerLane, ...], *, title: str = "Time on treatment") -> Figure:
    """Horizontal bars (longest at the top) coloured by best response; a thin line for
    follow-up after treatment; ▲ response onset, ✕ progression, ■ death, → ongoing."""
    with style():
        figure = new_figure(7.0, max(3.0, 0.18 * len(lanes) + 1.5))
        axes = figure.add_subplot(label=SWIMMER_AXES)
        if not lanes:
            axes.text(0.5, 0.5, "no treated subject", ha="center", va="center", transform=axes.transAxes)
        rows = list(range(len(lanes)))[::-1]
        axes.barh(
            rows,
            [lane.treatment_months for lane in lanes],
            color=[RESPONSE_COLOURS.get(lane.best_response, "#999999") for lane in lanes],
            height=0.7,
        )
        for row, lane in zip(rows, lanes, strict=True):
            if lane.follow_up_months > lane.treatment_months:
                axes.plot([lane.treatment_months, lane.follow_up_months], [row, row], color="#777777", linewidth=0.7)
            _marker(axes, lane.response_months, row, "^", "black", "response onset")
            _marker(axes, lane.progression_months, row, "X", "#D55E00", "progression")
            _marker(axes, lane.death_months, row, "s", "black", "death")
            if lane.ongoing:
                axes.annotate(
                    "",
                    xy=(lane.treatment_months + 1.2, row),
                    xytext=(lane.treatment_months, row),
                    arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.0},
                )
        axes.set_yticks(rows, [lane.subject_id for lane in lanes], fontsize=7)
        axes.set_xlabel("Months from first dose")
        axes.set_title(title)
        _legend(axes, {lane.best_response for lane in lanes})
    return figure


def _marker(axes: Any, x: float | None, row: int, marker: str, colour: str, label: str) -> None:
    if x is not None:
        axes.plot([x], [row], marker=marker, color=colour, markersize=5, linestyle="none", label=label)


def _legend(axes: Any, present: set[str]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(color=RESPONSE_COLOURS[r], label=r) for r in RESPONSE_ORDER if r in present]
    handles += [
        Line2D([], [], marker="^", color="black", linestyle="none", label="response onset"),
        Line2D([], [], marker="X", color="#D55E00", linestyle="none", label="progression"),
        Line2D([], [], marker="s", color="black", linestyle="none", label="death"),
        Line2D([], [], marker=r"$\rightarrow$", color="black", linestyle="none", label="on treatment at cut-off"),
    ]
    axes.legend(handles=handles, fontsize=7, loc="lower right")
