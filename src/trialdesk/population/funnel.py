"""The pre-screening funnel of one trial over a population, from the per-patient rows.

Criteria are taken in protocol order (inclusions, then exclusions, as the protocol lists
them): for each, how many patients pass, fail or are unknown on it, and how many are still
in, i.e. fail none of the criteria so far. Patients who fail nothing but are unknown on
some criterion are the navigator's work list: for each criterion, how many of them wait
on it and which records would settle it (the data its rules read).

The call list answers the other question a navigator asks of a population — whom to call
first: patients eligible on their data, then undetermined patients closest to a decision
(fewest criteria still open), then patients who become eligible on a later first dose,
soonest first; each with the criteria still open and the records that would settle them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from trialdesk.criteria import ast
from trialdesk.protocol.load import LoadedProtocol, ParsedCriterion

# a patient's status, best first (the order the call list ranks by)
STATUSES = ("eligible", "undetermined", "ineligible")


@dataclass(frozen=True)
class FunnelStep:
    """One criterion's counts; `remaining` fail none of the criteria up to this one."""

    criterion: str
    kind: str
    title: str
    passed: int
    failed: int
    unknown: int
    remaining: int


@dataclass(frozen=True)
class WorkItem:
    """Undetermined patients held up by one criterion, and what would settle it."""

    criterion: str
    title: str
    patients: int
    records: tuple[str, ...]


@dataclass(frozen=True)
class Funnel:
    trial: str
    total: int
    steps: tuple[FunnelStep, ...]
    statuses: dict[str, int]
    # ineligible today, eligible on a later first dose (a washout or an event window ends)
    eligible_later: int
    work_list: tuple[WorkItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "total": self.total,
            "statuses": self.statuses,
            "eligible_later": self.eligible_later,
            "steps": [s.__dict__ for s in self.steps],
            "work_list": [{**w.__dict__, "records": list(w.records)} for w in self.work_list],
        }


def _walk(node: ast.Expr, collection: str | None = None) -> Iterator[str]:
    if isinstance(node, ast.Not):
        yield from _walk(node.operand, collection)
    elif isinstance(node, ast.And | ast.Or):
        for op in node.operands:
            yield from _walk(op, collection)
    elif isinstance(node, ast.Quantifier):
        yield f"section: {ast.COLLECTIONS[node.collection]}"
        if node.where is not None:
            yield from _walk(node.where, node.collection)
    elif isinstance(node, ast.Attested):
        yield f"attestation: {node.topic}"
    elif isinstance(node, ast.Compare | ast.Between):
        value = node.left if isinstance(node, ast.Compare) else node.value
        if isinstance(value, ast.Latest):
            yield f"lab: {value.code}"
        elif isinstance(value, ast.CreatinineClearance):
            yield from ("lab: creatinine", "lab: body_weight", "patient: birth_date, sex")
        elif isinstance(value, ast.Age):
            yield "patient: birth_date"
        elif isinstance(value, ast.AttestationValue):
            yield f"attestation: {value.topic}"
        elif isinstance(value, ast.Field) and value.path[0] == "patient":
            yield f"patient: {value.path[1]}"
    elif isinstance(node, ast.Member | ast.Flag) and node.field.path[0] == "patient":
        yield f"patient: {node.field.path[1]}"


def records_read(criterion: ParsedCriterion) -> tuple[str, ...]:
    """The records a criterion's rules read, e.g. `lab: anc`, `section: therapies`."""
    return tuple(dict.fromkeys(r for reading in criterion.readings for r in _walk(reading.rule)))


def funnel(protocol: LoadedProtocol, rows: pa.Table) -> Funnel:
    """The funnel from the pre-screening rows (`patient_id`, one column per criterion,
    `status`, `earliest_eligible`)."""
    total = rows.num_rows
    still_in = pa.array([True] * total, pa.bool_())
    steps = []
    for criterion in protocol.criteria:
        c = criterion.criterion
        column = rows.column(c.id)
        counts = {v: int(pc.sum(pc.equal(column, v)).as_py() or 0) for v in ("pass", "fail", "unknown")}
        still_in = pc.and_(still_in, pc.not_equal(column, "fail"))
        steps.append(
            FunnelStep(
                c.id,
                c.kind,
                c.title,
                counts["pass"],
                counts["fail"],
                counts["unknown"],
                int(pc.sum(still_in).as_py() or 0),
            )
        )
    status = rows.column("status")
    statuses = {s: int(pc.sum(pc.equal(status, s)).as_py() or 0) for s in STATUSES}
    later = pc.and_(pc.equal(status, "ineligible"), pc.invert(pc.is_null(rows.column("earliest_eligible"))))
    undetermined = pc.equal(status, "undetermined")
    work = []
    for criterion in protocol.criteria:
        c = criterion.criterion
        waiting = int(pc.sum(pc.and_(undetermined, pc.equal(rows.column(c.id), "unknown"))).as_py() or 0)
        if waiting:
            work.append(WorkItem(c.id, c.title, waiting, records_read(criterion)))
    work.sort(key=lambda w: -w.patients)
    return Funnel(protocol.id, total, tuple(steps), statuses, int(pc.sum(later).as_py() or 0), tuple(work))


@dataclass(frozen=True)
class Call:
    """One patient to call, with what is still open for them."""

    patient_id: str
    status: str
    open_criteria: tuple[str, ...]
    records: tuple[str, ...]
    earliest_eligible: date | None

    @property
    def label(self) -> str:
        """The status as a navigator reads it: an ineligible patient is called only
        because a later first dose makes them eligible."""
        return "eligible later" if self.status == "ineligible" else self.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "status": self.status,
            "open_criteria": list(self.open_criteria),
            "records": list(self.records),
            "earliest_eligible": self.earliest_eligible.isoformat() if self.earliest_eligible else None,
        }


def call_list(protocol: LoadedProtocol, rows: pa.Table, limit: int) -> tuple[Call, ...]:
    """The first `limit` patients to call, in order: eligible; undetermined, fewest open
    criteria first; ineligible now but eligible on a later first dose, soonest first.
    Ties go to the earlier eligible date, then the patient id. Patients ineligible on
    every first dose searched are never called."""
    if limit <= 0 or rows.num_rows == 0:
        return ()
    status = rows.column("status")
    later = pc.invert(pc.is_null(rows.column("earliest_eligible")))
    callable_ = pc.or_(pc.not_equal(status, "ineligible"), later)
    ids = [c.criterion.id for c in protocol.criteria]
    open_count = pa.array([0] * rows.num_rows, pa.int32())
    for cid in ids:
        open_count = pc.add(open_count, pc.cast(pc.equal(rows.column(cid), "unknown"), pa.int32()))
    ranked = pa.table(
        {
            "row": pa.array(range(rows.num_rows), pa.int64()),
            "tier": pc.cast(pc.index_in(status, pa.array(STATUSES)), pa.int32()),
            "open": open_count,
            "earliest_eligible": rows.column("earliest_eligible"),
            "patient_id": rows.column("patient_id"),
        }
    ).filter(callable_)
    keys = [(k, "ascending", "at_end") for k in ("tier", "open", "earliest_eligible", "patient_id")]
    order = pc.sort_indices(ranked, sort_keys=keys)
    chosen = ranked.take(order[:limit]).column("row").to_pylist()
    by_id = {c.criterion.id: c for c in protocol.criteria}
    calls = []
    for row in rows.take(pa.array(chosen, pa.int64())).to_pylist():
        still_open = tuple(cid for cid in ids if row[cid] == "unknown")
        records = tuple(dict.fromkeys(r for cid in still_open for r in records_read(by_id[cid])))
        calls.append(Call(row["patient_id"], row["status"], still_open, records, row["earliest_eligible"]))
    return tuple(calls)
