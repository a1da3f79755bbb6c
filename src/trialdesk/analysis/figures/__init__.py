"""Figures of the endpoint report, drawn with matplotlib on the Agg canvas (no pyplot).

    changes = derive_tumour_size_changes(subjects, best_responses)
    png = figure_png(plot_waterfall(changes))            # or figure_svg(...)
    plot_spider(changes); plot_swimmer(derive_swimmer_lanes(subjects, analysis.subjects))
    plot_kaplan_meier(KaplanMeierCurve.of(analysis.pfs, [s.pfs for s in analysis.subjects]))

matplotlib is imported only when a figure is drawn.
"""

from trialdesk.analysis.figures.canvas import RESPONSE_COLOURS, figure_png, figure_svg, new_figure
from trialdesk.analysis.figures.survival import (
    AT_RISK_AXES,
    CURVE_AXES,
    KaplanMeierCurve,
    at_risk_counts,
    plot_kaplan_meier,
    tick_times,
)
from trialdesk.analysis.figures.swimmer import SWIMMER_AXES, SwimmerLane, derive_swimmer_lanes, plot_swimmer
from trialdesk.analysis.figures.tumour import (
    PARTIAL_RESPONSE_PCT,
    PROGRESSION_PCT,
    SPIDER_AXES,
    WATERFALL_AXES,
    plot_spider,
    plot_waterfall,
    waterfall_order,
)

__all__ = [
    "AT_RISK_AXES",
    "CURVE_AXES",
    "PARTIAL_RESPONSE_PCT",
    "PROGRESSION_PCT",
    "RESPONSE_COLOURS",
    "SPIDER_AXES",
    "SWIMMER_AXES",
    "WATERFALL_AXES",
    "KaplanMeierCurve",
    "SwimmerLane",
    "at_risk_counts",
    "derive_swimmer_lanes",
    "figure_png",
    "figure_svg",
    "new_figure",
    "plot_kaplan_meier",
    "plot_spider",
    "plot_swimmer",
    "plot_waterfall",
    "tick_times",
    "waterfall_order",
]
