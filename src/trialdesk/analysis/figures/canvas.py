"""Figures drawn without pyplot, on the Agg canvas, and written deterministically.

matplotlib is imported inside the functions: importing trialdesk (and starting the CLI)
never pays for it. No pyplot means no global figure registry: each figure is a value the
caller owns, and nothing is left open between calls.
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), one per response
RESPONSE_COLOURS: dict[str, str] = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "SD": "#E69F00",
    "PD": "#D55E00",
    "NE": "#999999",
}
RESPONSE_ORDER = ("CR", "PR", "SD", "PD", "NE")
DPI = 100
# rcParams for every figure, applied in a context so no global setting changes
_STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "trialdesk",
    "svg.fonttype": "path",
    "path.simplify": False,
}


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of `width` × `height` inches attached to an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def style() -> AbstractContextManager[None]:
    """The context every drawing runs in (fonts, spines, the SVG id salt): rcParams are
    read when artists are made, so the drawing code runs inside it."""
    import matplotlib

    return matplotlib.rc_context(_STYLE)


def figure_png(figure: Figure) -> bytes:
    """PNG bytes; the same figure gives the same bytes (no timestamp, no software tag)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def figure_svg(figure: Figure) -> str:
    """Inline SVG text; deterministic (no date, fixed id salt), glyphs drawn as paths."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
