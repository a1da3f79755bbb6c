"""The navigator's one-page pre-screening summary, as self-contained HTML."""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment, PackageLoader, select_autoescape

from trialdesk.screening.result import ScreeningResult


def prescreen_html(result: ScreeningResult, protocol_review: Sequence[str] = ()) -> str:
    """Verdict, deciding criteria, records still needed with their windows, readings to
    settle and the questions to put to the trial team."""
    env = Environment(loader=PackageLoader("trialdesk.render", "templates"), autoescape=select_autoescape())
    readings = [c for c in result.criteria if c.readings and (c.review_required or c.verdict != "pass")]
    questions = list(
        dict.fromkeys(
            [q for c in result.criteria if c.verdict != "pass" or c.review_required for q in c.review]
            + list(protocol_review)
        )
    )
    counts = ", ".join(f"{len(result.by_verdict(v))} {v}" for v in ("pass", "fail", "unknown"))
    return env.get_template("prescreen.html").render(
        r=result, deciding=result.deciding, readings=readings, questions=questions, counts=counts
    )
