"""Rich renderings of design results for people: tables in the layout of Simon's (1989) table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from trialdesk.design.consistent import ConsistentDesigns, PairDesigns
from trialdesk.design.interim import InterimDecision, Verdict
from trialdesk.design.proposal import DesignProposal
from trialdesk.design.simon import SimonDesign, SimonDesigns
from trialdesk.design.single_stage import SingleStageDesign

DesignResult = SimonDesigns | SimonDesign | SingleStageDesign | InterimDecision | ConsistentDesigns | DesignProposal

VERDICT_STYLE = {Verdict.CONTINUE: "yellow", Verdict.STOP_FOR_FUTILITY: "red", Verdict.EFFICACY: "green"}


def _design_table(title: str) -> Table:
    table = Table(title=title, expand=False)
    for column in (
        "design",
        "p0 / p1",
        "stage 1: stop if ≤ r1/n1",
        "reject H0 if > r/n",
        "EN(p0)",
        "PET(p0)",
        "alpha",
        "power",
    ):
        table.add_column(column, justify="left" if column in ("design", "p0 / p1") else "right", no_wrap=True)
    return table


def _add_simon(table: Table, design: SimonDesign, style: str | None = None) -> None:
    table.add_row(
        design.kind,
        f"{design.p0:g} / {design.p1:g}",
        f"{design.r1}/{design.n1}",
        f"{design.r}/{design.n}",
        f"{design.expected_n_p0:.1f}",
        f"{design.pet_p0:.2f}",
        f"{design.actual_alpha:.4f}",
        f"{design.actual_power:.4f}",
        style=style,
    )


def _add_single(table: Table, design: SingleStageDesign, style: str | None = None) -> None:
    table.add_row(
        "single-stage",
        f"{design.p0:g} / {design.p1:g}",
        "—",
        f"{design.reject_if_more_than}/{design.n}",
        f"{design.n:.1f}",
        "—",
        f"{design.actual_alpha:.4f}",
        f"{design.actual_power:.4f}",
        style=style,
    )


def _pairs_table(pairs: Sequence[PairDesigns], title: str, highlight_n: int | None = None) -> Table:
    table = _design_table(title)
    for pair in pairs:
        for _, design in pair.designs():
            style = "bold green" if design.n == highlight_n else None
            if isinstance(design, SimonDesign):
                _add_simon(table, design, style)
            else:
                _add_single(table, design, style)
        if not pair.designs():
            table.add_row("none", f"{pair.p0:g} / {pair.p1:g}", *["—"] * 6)
        table.add_section()
    return table


def _render_simon(result: SimonDesigns) -> RenderableType:
    table = _design_table(
        f"Simon two-stage designs (Simon 1989): alpha ≤ {result.alpha:g}, power ≥ {result.power:g}, n ≤ {result.n_max}"
    )
    _add_simon(table, result.optimal)
    _add_simon(table, result.minimax)
    table.caption = "stop after stage 1 if ≤ r1 responses in n1; otherwise enrol to n and reject H0 if > r responses"
    return table


def _render_single(result: SingleStageDesign) -> RenderableType:
    table = _design_table(
        f"A'Hern single-stage design (A'Hern 2001): alpha ≤ {result.alpha:g}, power ≥ {result.power:g}"
    )
    _add_single(table, result)
    table.caption = (
        f"reject H0 if ≥ {result.r} responses in {result.n} (A'Hern's r = {result.r}; Simon's form: > {result.r - 1})"
    )
    return table


def _render_interim(result: InterimDecision) -> RenderableType:
    verdict = Text(result.verdict.value, style=f"bold {VERDICT_STYLE[result.verdict]}")
    head = Text(f"{result.responses}/{result.evaluated} responses, stage {result.stage}: ")
    head.append_text(verdict)
    if not result.final:
        head.append(" (not yet decided)", style="dim")
    table = _design_table("design followed")
    _add_simon(table, result.design)
    return Group(head, Text(f"  {result.rule}"), table)


def _render_consistent(result: ConsistentDesigns) -> RenderableType:
    title = f"Designs with n = {result.n_total}: alpha ≤ {result.alpha:g}, power ≥ {result.power:g}"
    if result.matches:
        summary = Text("\n".join(f"• {m}" for m in result.matches), style="green")
    else:
        summary = Text("No pair checked gives a design of exactly this size; the nearest are below.", style="yellow")
    return Group(summary, _pairs_table(result.pairs, title, highlight_n=result.n_total))


def _render_proposal(result: DesignProposal) -> RenderableType:
    table = _design_table(f"Proposed design for {escape(result.trial_id)}")
    _add_simon(table, result.simon.optimal)
    _add_simon(table, result.simon.minimax)
    _add_single(table, result.single_stage)
    notes = Text("Assumptions for the trial team to confirm:\n", style="bold")
    notes.append("\n".join(f"• {a}" for a in result.assumptions) + "\n")
    notes.append("Evidence:\n", style="bold")
    notes.append("\n".join(f"• {e}" for e in result.evidence))
    parts: list[RenderableType] = [table, notes]
    if result.sensitivity:
        parts.append(_pairs_table(result.sensitivity, "Sensitivity: other (p0, p1)"))
    return Group(*parts)


def render_design(result: DesignResult) -> RenderableType:
    """A Rich renderable for any design result: designs, an interim decision, a size check, a proposal."""
    if isinstance(result, SimonDesigns):
        return _render_simon(result)
    if isinstance(result, SimonDesign):
        table = _design_table(f"Simon {result.kind} design")
        _add_simon(table, result)
        return table
    if isinstance(result, SingleStageDesign):
        return _render_single(result)
    if isinstance(result, InterimDecision):
        return _render_interim(result)
    if isinstance(result, ConsistentDesigns):
        return _render_consistent(result)
    return _render_proposal(result)
