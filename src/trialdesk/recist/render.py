"""Rich renderings of RECIST 1.1 results: one table of visits per subject, then the best
overall response with and without confirmation, and the endpoint dates."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from trialdesk.recist.categories import Response
from trialdesk.recist.result import BestOverallResponse, SubjectResponse, TimePointResponse, number

RESPONSE_STYLE = {
    Response.CR: "bold green",
    Response.PR: "green",
    Response.SD: "yellow",
    Response.NON_CR_NON_PD: "yellow",
    Response.PD: "bold red",
    Response.NE: "magenta",
    Response.NONE: "dim",
}


def _styled(response: Response, suffix: str = "") -> Text:
    return Text(f"{response}{suffix}", style=RESPONSE_STYLE[response])


def _mm(value: Decimal | None, bound: str = "") -> str:
    return "—" if value is None else f"{bound}{number(value)}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:+}"


def _visit_row(tp: TimePointResponse) -> list[str | Text]:
    bound = "" if tp.sum_complete else "≥"
    overall = _styled(tp.overall, " *" if tp.overall != tp.as_assessed else "")
    return [
        tp.date.isoformat(),
        tp.visit,
        str(tp.days_from_start) if tp.days_from_start is not None else "",
        _mm(tp.assessed_sum_mm, bound),
        _pct(tp.change_from_baseline_pct),
        _pct(tp.change_from_nadir_pct),
        _styled(tp.target),
        _styled(tp.non_target),
        Text(str(tp.new_lesions), style="bold red" if tp.new_lesions == "yes" else ""),
        overall,
    ]


def _bor_line(label: str, bor: BestOverallResponse, primary: bool) -> Text:
    text = Text(f"{label}: ", style="bold" if primary else "")
    text.append_text(_styled(bor.response))
    text.append(f"  {bor.reason}", style="" if primary else "dim")
    if bor.open_question:
        text.append(f"\n  open question: {bor.open_question} (other reading: {bor.alternative})", style="bold magenta")
    for note in bor.notes:
        text.append(f"\n  note: {note}", style="dim")
    return text


def subject_renderable(result: SubjectResponse, *, confirm: bool | None = None) -> RenderableType:
    """One subject: the visits table, both best overall responses (the reported one in
    bold), and the dates for DOR and PFS."""
    confirm = result.confirmation_required if confirm is None else confirm
    table = Table(
        title=f"{result.subject_id} — first dose {result.start_date.isoformat()}",
        title_justify="left",
        expand=False,
    )
    for name in ("date", "visit", "day", "sum mm", "%Δ baseline", "%Δ nadir", "target", "non-target", "new", "overall"):
        table.add_column(
            name, no_wrap=True, justify="right" if name in ("day", "sum mm", "%Δ baseline", "%Δ nadir") else "left"
        )
    base = result.baseline
    table.add_row(base.date.isoformat(), "baseline", "", _mm(base.sum_mm), "", "", "", "", "", "", style="dim")
    for tp in result.time_points:
        table.add_row(*_visit_row(tp))
    parts: list[RenderableType] = [table]
    notes = [f"{tp.date.isoformat()}: {note}" for tp in result.time_points for note in tp.notes]
    parts += [Text(f"  {note}", style="dim") for note in notes]
    parts.append(_bor_line("BOR confirmed", result.confirmed, confirm))
    parts.append(_bor_line("BOR unconfirmed", result.unconfirmed, not confirm))
    parts.append(Text(f"dates: {result.endpoints}"))
    for warning in base.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*parts)


def render_table(results: Sequence[SubjectResponse], *, confirm: bool | None = None) -> RenderableType:
    """Every subject's RECIST 1.1 assessment for a terminal (`rich.console.Console.print`).

    Per subject: a table of visits (date, visit, day from first dose, sum of diameters,
    % change from baseline and from nadir — the sum is "≥" and the changes "—" when some
    target lesions were not assessed — target, non-target, new lesions, overall; "*" marks a response revised with
    hindsight), then the best overall response with and without confirmation, the one the
    trial reports in bold (`confirm`, or each result's own setting when None), and the
    dates of first response and progression.
    """
    return Group(*(subject_renderable(r, confirm=confirm) for r in results))
