"""Pre-screen a population: every criterion of a protocol for every patient, in one query.

The protocol's rules are compiled once (`trialdesk.criteria.sql`) into a single SELECT
over the patient-facts schema: one row per patient, one column per criterion verdict
(`pass` / `fail` / `unknown`, readings combined as the screening combines them) and the
overall status (`ineligible` if any criterion fails, `undetermined` if any is unknown,
else `eligible`). The earliest eligible date is not computed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
from sqlglot import exp

from trialdesk.criteria.evaluate import Settings
from trialdesk.criteria.sql import PATIENT, Dates, RuleCompiler, combine_readings, verdict
from trialdesk.knowledge.base import Knowledge
from trialdesk.protocol.load import LoadedProtocol


@dataclass(frozen=True)
class CompiledCriterion:
    """One criterion as one query: `patient_id` and its `verdict`, one row per patient."""

    id: str
    query: exp.Select

    def sql(self, dialect: str = "duckdb", *, pretty: bool = False) -> str:
        return self.query.sql(dialect=dialect, pretty=pretty)


@dataclass(frozen=True)
class CompiledProtocol:
    """A protocol as one query per criterion, in protocol order.

    One query per criterion rather than one for the protocol: DuckDB 2.0 plans a
    statement holding every criterion's correlated subqueries in minutes, each criterion
    alone in milliseconds."""

    trial: str
    criteria: tuple[CompiledCriterion, ...]


def _picks_in(expression: exp.Expr, picks: Iterable[str]) -> list[str]:
    used = {column.table for column in expression.find_all(exp.Column)}
    return [name for name in picks if name in used]


def compile_protocol(
    protocol: LoadedProtocol,
    knowledge: Knowledge,
    dates: Dates | None = None,
    settings: Settings | None = None,
) -> CompiledProtocol:
    """Compile every criterion of `protocol`. Without `dates` each patient is screened at
    the as-of and first-dose dates stored with it in `patients`."""
    compiler = RuleCompiler(knowledge, dates or Dates.per_patient(), settings or Settings())
    patient_id = exp.column("patient_id", PATIENT, quoted=True)
    compiled = []
    for pc in protocol.criteria:
        c = pc.criterion
        where = f"{protocol.id}:{c.id}"
        readings = [verdict(c.kind, compiler.truth(r.rule, where)) for r in pc.readings]
        inner = exp.select(
            patient_id.copy(), *(exp.alias_(r, f"reading_{i}", quoted=True) for i, r in enumerate(readings))
        ).from_(exp.to_table("patients").as_(PATIENT))
        ctes = dict(compiler.ctes)
        for name in _picks_in(inner, compiler.picks.values()):
            inner = inner.join(
                exp.to_table(name).as_(name),
                on=exp.EQ(this=exp.column("patient_id", name, quoted=True), expression=patient_id.copy()),
                join_type="left",
            )
        combined = combine_readings([exp.column(f"reading_{i}", "r", quoted=True) for i in range(len(readings))])
        query = exp.select(
            exp.alias_(exp.column("patient_id", "r", quoted=True), "patient_id", quoted=True),
            exp.alias_(combined, "verdict", quoted=True),
        ).from_(inner.subquery("r"))
        for name in _picks_in(inner, compiler.picks.values()):
            query = query.with_(name, as_=ctes[name])
        query = query.order_by(exp.column("patient_id", "r", quoted=True))
        compiled.append(CompiledCriterion(c.id, query))
    return CompiledProtocol(protocol.id, tuple(compiled))


def status_of(verdicts: Iterable[str]) -> str:
    """`ineligible` if any criterion fails, `undetermined` if any is unknown, else `eligible`."""
    found = set(verdicts)
    return "ineligible" if "fail" in found else ("undetermined" if "unknown" in found else "eligible")


def prescreen(
    con: duckdb.DuckDBPyConnection,
    protocol: LoadedProtocol,
    knowledge: Knowledge,
    as_of: date | None = None,
    first_dose: date | None = None,
    dialect: str = "duckdb",
) -> list[dict[str, str]]:
    """One dict per patient (ordered by id): `patient_id`, each criterion's verdict and
    `status`.

    With `as_of` (and optionally `first_dose`, default the as-of date) every patient is
    screened at those dates; otherwise at the dates stored with each patient."""
    dates = Dates.literal(as_of, first_dose or as_of) if as_of is not None else None
    compiled = compile_protocol(protocol, knowledge, dates)
    rows: dict[str, dict[str, str]] = {}
    for criterion in compiled.criteria:
        for patient, value in con.execute(criterion.sql(dialect)).fetchall():
            rows.setdefault(patient, {"patient_id": patient})[criterion.id] = value
    for row in rows.values():
        row["status"] = status_of(row[c.id] for c in compiled.criteria)
    return list(rows.values())
