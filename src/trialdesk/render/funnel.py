"""The pre-screening funnel as Rich tables: the attrition per criterion in protocol order,
the navigator's work list (undetermined patients by the criterion that holds them) and
the call list (whom to call first)."""

from __future__ import annotations

from rich.table import Table

from trialdesk.population.funnel import Call, Funnel


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def funnel_table(f: Funnel, seconds: float | None = None) -> Table:
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    statuses = ", ".join(f"{name} {count:,}" for name, count in f.statuses.items())
    table = Table(
        title=f"{f.trial}: {f.total:,} patients{took}",
        caption=f"{statuses}; ineligible now but eligible on a later first dose: {f.eligible_later:,}",
    )
    table.add_column("#", justify="right")
    table.add_column("criterion")
    table.add_column("kind")
    table.add_column("pass", justify="right")
    table.add_column("fail", justify="right")
    table.add_column("unknown", justify="right")
    table.add_column("still in", justify="right")
    table.add_column("", justify="right")
    for i, step in enumerate(f.steps, 1):
        table.add_row(
            str(i),
            step.criterion,
            step.kind,
            f"{step.passed:,}",
            f"{step.failed:,}",
            f"{step.unknown:,}",
            f"{step.remaining:,}",
            _pct(step.remaining, f.total),
        )
    return table


def work_list_table(f: Funnel, limit: int = 15) -> Table:
    undetermined = f.statuses.get("undetermined", 0)
    table = Table(title=f"{f.trial}: {undetermined:,} undetermined patients, by what would settle them")
    table.add_column("criterion")
    table.add_column("patients", justify="right")
    table.add_column("records to obtain")
    for item in f.work_list[:limit]:
        table.add_row(item.criterion, f"{item.patients:,}", "; ".join(item.records) or "a reviewer's decision")
    return table


def call_list_table(trial: str, calls: tuple[Call, ...]) -> Table:
    table = Table(title=f"{trial}: the first {len(calls)} patients to call")
    table.add_column("#", justify="right")
    table.add_column("patient", no_wrap=True)
    table.add_column("status")
    table.add_column("eligible from", no_wrap=True)
    table.add_column("still open")
    table.add_column("records to obtain")
    for i, call in enumerate(calls, 1):
        table.add_row(
            str(i),
            call.patient_id,
            call.label,
            call.earliest_eligible.isoformat() if call.earliest_eligible else "—",
            ", ".join(call.open_criteria) or "—",
            "; ".join(call.records) or ("—" if not call.open_criteria else "a reviewer's decision"),
        )
    return table
