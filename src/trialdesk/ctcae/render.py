"""Rich tables of CTCAE grades for people: one row per value and term, grade coloured."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from trialdesk.ctcae.result import GradeResult, WorstGrade

GRADE_STYLE = {0: "green", 1: "yellow", 2: "dark_orange", 3: "red", 4: "bold red"}


def _grade_cell(grade: int, lab_only: bool) -> Text:
    text = Text(str(grade), style=GRADE_STYLE.get(grade, "bold red"))
    if lab_only:
        text.append(" *", style="magenta")
    return text


def render_table(results: Sequence[GradeResult], *, title: str = "CTCAE v5.0 laboratory grades") -> RenderableType:
    """A table of graded values; '*' marks a grade clinical facts could change (readings below it)."""
    table = Table(title=title, expand=True)
    table.add_column("subject", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("term (MedDRA)")
    table.add_column("grade", justify="center", no_wrap=True)
    table.add_column("decided by")
    for r in results:
        decided = Text(r.explanation)
        if r.lab_only:
            decided.append("\n" + r.readings_text(), style="magenta")
        for note in r.notes:
            decided.append(f"\nnote: {note}", style="dim")
        table.add_row(
            escape(r.subject_id),
            r.date.isoformat(),
            f"{escape(r.term)}\n[dim]{r.meddra_code}[/dim]",
            _grade_cell(r.grade, r.lab_only),
            decided,
        )
    return table


def render_worst_table(worst: Sequence[WorstGrade]) -> RenderableType:
    """A subject's worst grade per term over a period."""
    table = Table(title="Worst CTCAE v5.0 grade per subject and term", expand=True)
    for column in ("subject", "term (MedDRA)", "worst", "on", "results", "decided by"):
        table.add_column(column)
    for w in worst:
        table.add_row(
            escape(w.subject_id),
            f"{escape(w.term)}\n[dim]{w.meddra_code}[/dim]",
            _grade_cell(w.grade, w.highest_reading > w.grade),
            w.on.isoformat(),
            str(w.results),
            Text(w.worst.explanation),
        )
    return table
