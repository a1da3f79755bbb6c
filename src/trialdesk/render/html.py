"""Self-contained HTML: the navigator's one-page pre-screening summary of a patient, and
the population report (funnel, work list and call list per trial)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape

from trialdesk.population.funnel import Call, Funnel
from trialdesk.screening.result import ScreeningResult


def _environment() -> Environment:
    return Environment(loader=PackageLoader("trialdesk.render", "templates"), autoescape=select_autoescape())


def prescreen_html(result: ScreeningResult, protocol_review: Sequence[str] = ()) -> str:
    """Verdict, deciding criteria, records still needed with their windows, readings to
    settle and the questions to put to the trial team."""
    env = _environment()
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


@dataclass(frozen=True)
class TrialReport:
    """One trial of a population report."""

    funnel: Funnel
    calls: tuple[Call, ...]


def population_html(runs: Sequence[TrialReport], source: str, dates: str) -> str:
    """The population report: per trial, the statuses, the funnel in protocol order with
    the share still in, the undetermined patients by what would settle them, and whom to
    call first."""
    return (
        _environment()
        .get_template("population.html")
        .render(runs=runs, trials=[r.funnel.trial for r in runs], source=source, dates=dates)
    )
