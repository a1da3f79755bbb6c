"""Waterfall and spider plots of the change in the sum of target-lesion diameters.

Reference lines at −30 % (partial response) and +20 % (progression, from the nadir in
RECIST 1.1 §4.3.1; drawn from baseline here, as is usual for these plots).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trialdesk.analysis.figures.canvas import RESPONSE_COLOURS, RESPONSE_ORDER, new_figure, style
from trialdesk.analysis.tumour_size import TumourSizeChanges, TumourSizeCourse

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PARTIAL_RESPONSE_PCT = -30.0
PROGRESSION_PCT = 20.0
WATERFALL_AXES = "best change"
SPIDER_AXES = "change over time"


def waterfall_order(changes: TumourSizeChanges) -> tuple[TumourSizeCourse, ...]:
    """Subjects from the largest increase to the largest shrinkage (ties by subject id)."""
    return tuple(sorted(changes.courses, key=lambda c: (-c.best_percent_change, c.subject_id)))


def plot_waterfall(changes: TumourSizeChanges, *, title: str = "Best change in tumour size") -> Figure:
    """One bar per subject: the best % change of the sum of diameters from baseline,
    coloured by best overall response; subjects left out are listed under the plot."""
    ordered = waterfall_order(changes)
    with style():
        figure = new_figure(max(6.0, 0.22 * len(ordered) + 2.0), 4.2)
        axes = figure.add_subplot(label=WATERFALL_AXES)
        if not ordered:
            _empty(axes, "no subject has a post-baseline sum of diameters")
        else:
            positions = range(len(ordered))
            axes.bar(
                positions,
                [c.best_percent_change for c in ordered],
                color=[RESPONSE_COLOURS.get(c.best_response, "#999999") for c in ordered],
                width=0.8,
            )
            axes.set_xticks(list(positions), [c.subject_id for c in ordered], rotation=90, fontsize=7)
            axes.set_xlim(-0.8, len(ordered) - 0.2)
            _reference_lines(axes)
            _legend(axes, {c.best_response for c in ordered})
        axes.set_ylabel("Best change from baseline in sum of diameters (%)")
        axes.set_title(title)
        # a figure-level label: the constrained layout keeps it clear of the tick labels
        figure.supxlabel(changes.excluded_text(), fontsize=7, x=0.01, ha="left")
    return figure


def plot_spider(changes: TumourSizeChanges, *, title: str = "Change in tumour size over time") -> Figure:
    """One line per subject: % change of the sum of diameters from baseline (0 at the
    first dose) at each follow-up with a complete sum, coloured by best overall response."""
    with style():
        figure = new_figure(7.0, 4.2)
        axes = figure.add_subplot(label=SPIDER_AXES)
        if not changes.courses:
            _empty(axes, "no subject has a post-baseline sum of diameters")
        for course in changes.courses:
            weeks = [0.0, *(c.days / 7 for c in course.changes)]
            percents = [0.0, *(c.percent for c in course.changes)]
            colour = RESPONSE_COLOURS.get(course.best_response, "#999999")
            axes.plot(weeks, percents, color=colour, marker="o", markersize=3, linewidth=1.2, gid=course.subject_id)
        _reference_lines(axes)
        _legend(axes, {c.best_response for c in changes.courses})
        axes.set_xlabel("Weeks from first dose")
        axes.set_ylabel("Change from baseline in sum of diameters (%)")
        axes.set_title(title)
        # a figure-level label: the constrained layout keeps it clear of the tick labels
        figure.supxlabel(changes.excluded_text(), fontsize=7, x=0.01, ha="left")
    return figure


def _reference_lines(axes: Axes) -> None:
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.axhline(PARTIAL_RESPONSE_PCT, color="#333333", linestyle="--", linewidth=0.8)
    axes.axhline(PROGRESSION_PCT, color="#333333", linestyle="--", linewidth=0.8)


def _legend(axes: Axes, present: set[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=RESPONSE_COLOURS[r], label=r) for r in RESPONSE_ORDER if r in present]
    if handles:
        axes.legend(handles=handles, title="Best response", fontsize=7, title_fontsize=7, loc="upper right")


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
