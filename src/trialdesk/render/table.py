"""Rich renderings of screening results for people: failures and unknowns first, each with
its source sentence and one plain line of explanation."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trialdesk.screening.batch import PatientOutcome
from trialdesk.screening.result import CriterionResult, ScreeningResult

STATUS_STYLE = {"eligible": "bold green", "ineligible": "bold red", "undetermined": "bold yellow"}
VERDICT_STYLE = {"pass": "green", "fail": "red", "unknown": "yellow"}
ORDER = ("fail", "unknown", "pass")


def _criterion_cell(c: CriterionResult, show_source: bool) -> Text:
    text = Text(c.title, style="bold")
    if c.review_required:
        text.append("  REVIEW", style="bold magenta")
    text.append(f"\n{c.explanation}", style="magenta" if c.review_required else "")
    if show_source:
        text.append(f"\n“{c.source}”", style="dim italic")
    return text


def grouped_assumptions(assumptions: Sequence[str]) -> list[str]:
    """'rule — subject' lines merged per rule: one line lists every subject it was applied to."""
    groups: dict[str, list[str]] = {}
    for note in assumptions:
        rule, _, subject = note.partition(" — ")
        groups.setdefault(rule, []).extend([subject] if subject else [])
    return [f"{rule}: {', '.join(subjects)}" if subjects else rule for rule, subjects in groups.items()]


def screening_renderable(result: ScreeningResult) -> RenderableType:
    """One patient × one trial: status, dates, criteria grouped by verdict, needs."""
    header = Text()
    header.append(f"{result.patient_id} × {result.trial}  ", style="bold")
    header.append(result.status.upper(), style=STATUS_STYLE[result.status])
    header.append(f"\nas of {result.as_of}, first dose {result.first_dose}")
    header.append(f" · earliest eligible: {result.earliest_eligible_date or 'not while a failure stands'}")
    if result.expires_on:
        header.append(f" · current passes hold through {result.expires_on}")
    header.append(f"\nprotocol sha256 {result.protocol_sha256[:16]}…", style="dim")
    table = Table(show_lines=False, expand=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("criterion", no_wrap=True)
    table.add_column("explanation")
    for verdict in ORDER:
        for c in (c for c in result.criteria if c.verdict == verdict):
            table.add_row(
                Text(verdict, style=VERDICT_STYLE[verdict]),
                f"{c.kind[:3]} {c.id}",
                _criterion_cell(c, verdict != "pass"),
            )
    parts: list[RenderableType] = [Panel(header), table]
    if result.needs:
        needs = Table(title="Records and tests still needed", expand=True)
        needs.add_column("what")
        needs.add_column("when")
        needs.add_column("for")
        for n in result.needs:
            needs.add_row(n.need.what, n.need.window_text(), ", ".join(n.criteria))
        parts.append(needs)
    for note in grouped_assumptions(result.assumptions):
        parts.append(Text(f"assumed: {note}", style="dim"))
    for warning in result.warnings:
        parts.append(Text(f"warning: {warning}", style="bold yellow"))
    return Group(*parts)


def summary_renderable(outcomes: Sequence[PatientOutcome]) -> RenderableType:
    """One row per patient and trial."""
    table = Table(title="Pre-screening summary", caption="p/f/u: criteria that pass / fail / are unknown")
    table.add_column("patient", no_wrap=True)
    table.add_column("trial", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("p/f/u", no_wrap=True)
    table.add_column("earliest eligible", no_wrap=True)
    table.add_column("deciding criteria")
    for outcome in outcomes:
        if outcome.error is not None:
            table.add_row(outcome.path.name, "—", Text("error", style="bold red"), "", "", str(outcome.error.message))
            continue
        for r in outcome.results:
            counts = "/".join(str(len(r.by_verdict(v))) for v in ("pass", "fail", "unknown"))
            deciding = ", ".join(c.id for c in r.deciding[:6]) + (" …" if len(r.deciding) > 6 else "")
            table.add_row(
                r.patient_id,
                r.trial,
                Text(r.status, style=STATUS_STYLE[r.status]),
                counts,
                str(r.earliest_eligible_date or "—"),
                deciding,
            )
    return table
