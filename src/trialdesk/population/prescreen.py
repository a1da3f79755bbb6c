"""Pre-screen a population: every criterion of a protocol for every patient, in one query.

The protocol's rules are compiled once (`trialdesk.criteria.sql`) into a single SELECT
over the patient-facts schema: one row per patient with one column per criterion verdict
(`pass` / `fail` / `unknown`, readings combined as the screening combines them), the
overall `status` (`ineligible` if any criterion fails, `undetermined` if any is unknown,
else `eligible`) and the `earliest_eligible` first-dose date, found as the screener
finds it (`Screener.earliest_eligible`): the planned first dose when nothing fails;
otherwise, for a patient whose every failing criterion depends on the first-dose date
(a washout, an event window, an age), the earliest candidate date on which no criterion
fails with the data held at the planned first dose. The candidates are the dates on
which a date test of the protocol changes its value; NULL when a failure never lifts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlglot import exp

from trialdesk.criteria import ast
from trialdesk.criteria.evaluate import FRESHNESS_FIELDS, Settings
from trialdesk.criteria.sql import (
    FAIL,
    PASS,
    SCREENING,
    SCREENING_BASE,
    UNKNOWN,
    CompileError,
    Dates,
    RuleCompiler,
    verdict_code,
)
from trialdesk.knowledge.base import Knowledge
from trialdesk.population.facts import PATIENT_COLUMNS, PATIENT_KEY, table_columns
from trialdesk.population.staging import Stage
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import HORIZON_DAYS

STATUS = "status"
EARLIEST = "earliest_eligible"
_CANDIDATES = "candidates"


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table, quoted=True)


def _str(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _alias(e: exp.Expr, name: str) -> exp.Expr:
    return exp.alias_(e, name, quoted=True, copy=False)


@dataclass(frozen=True)
class CompiledProtocol:
    """A protocol as SQL: `query` gives `patient_id`, one verdict column per criterion
    (named by its id, in protocol order), `status` and `earliest_eligible`, one row per
    patient, after each of `stages` has been stored, in order, as a temporary table
    under its name (`statements` spells the whole script in a dialect)."""

    trial: str
    criteria: tuple[str, ...]
    kinds: tuple[str, ...]
    query: exp.Select
    stages: tuple[Stage, ...] = ()

    def sql(self, dialect: str = "duckdb", *, pretty: bool = False) -> str:
        """The final query alone (it reads the stages' tables)."""
        return self.query.sql(dialect=dialect, pretty=pretty)

    def statements(self, dialect: str = "duckdb", *, pretty: bool = False) -> list[str]:
        """The script: each stage stored as a temporary table (Spark: a cached view),
        then the query."""
        script = []
        for stage in self.stages:
            name = exp.to_identifier(stage.name, quoted=True).sql(dialect=dialect)
            body = stage.statement.sql(dialect=dialect, pretty=pretty)
            if dialect == "spark":
                script.append(f"CACHE TABLE {name} AS {body}")
            else:
                script += [f"DROP TABLE IF EXISTS {name}", f"CREATE TEMPORARY TABLE {name} AS {body}"]
        return [*script, self.sql(dialect, pretty=pretty)]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("patient_id", *self.criteria, STATUS, EARLIEST)


def _screening_base(dates: Dates | None) -> exp.Select:
    """`sp`: each patient with its as-of date, planned first dose and `data_ref`."""
    p = "p"
    attributes = [_col(c, p) for c in (*PATIENT_COLUMNS, PATIENT_KEY) if c not in ("as_of", "first_dose")]
    as_of = dates.as_of.copy() if dates else _col("as_of", p)
    first = dates.first_dose.copy() if dates else _col("first_dose", p)
    return exp.select(
        *attributes, _alias(as_of, "as_of"), _alias(first, "first_dose"), _alias(first.copy(), "data_ref")
    ).from_(exp.to_table("patients").as_(p))


# Verdict codes (`sql.verdict_code`): the worst verdict is the largest, so a status is a
# GREATEST. Frames and stages carry the codes (`c0`, `c1`, … in protocol order, and
# `worst`); only the output spells them, so a stored stage is a table of small integers.
_WORST = "worst"


def _verdict_frames(
    protocol: LoadedProtocol, compiler: RuleCompiler, stem: str
) -> tuple[list[tuple[str, exp.Select]], str]:
    """The verdict code of every criterion (`c0`, `c1`, …) and the worst of them per row of
    the compiler's screening relation; returns the named SELECTs and the name of the last.

    One frame: the screening row joined to the per-section aggregates, picks and
    attestations the rules read (a few dozen joins, each CTE a handful of columns), each
    reading a small integer code; then the readings combined and the status taken as the
    greatest code."""
    s = compiler.screening
    keys: dict[str, exp.Expr] = {PATIENT_KEY: _col(PATIENT_KEY, s), "first_dose": _col("first_dose", s)}
    codes: list[exp.Expr] = []
    names: list[list[str]] = []
    for k, pc in enumerate(protocol.criteria):
        c = pc.criterion
        where = f"{protocol.id}:{c.id}"
        these = []
        for i, reading in enumerate(pc.readings):
            name = f"c{k}_{i}"
            truth = compiler.truth(reading.rule, where)
            codes.append(_alias(verdict_code(c.kind, truth), name))
            these.append(name)
        names.append(these)
    frame = exp.select(_col("patient_id", s), _col(PATIENT_KEY, s), _col("first_dose", s), *codes, copy=False).from_(
        exp.to_table(s).as_(s), copy=False
    )
    frame = compiler.join_ctes(frame, codes, keys)
    r = f"{stem}_readings"
    combined = []
    for k, these in enumerate(names):
        first = _col(these[0], r)
        if len(these) == 1:
            combined.append(_alias(first, f"c{k}"))
            continue
        # readings that all agree give their verdict; any disagreement is unknown
        agree = exp.and_(*(exp.EQ(this=first.copy(), expression=_col(n, r)) for n in these[1:]), copy=False)
        combined.append(
            _alias(exp.Case(ifs=[exp.If(this=agree, true=first.copy())], default=exp.Literal.number(UNKNOWN)), f"c{k}")
        )
    verdicts = exp.select(_col("patient_id", r), _col(PATIENT_KEY, r), _col("first_dose", r), *combined).from_(
        exp.to_table(r).as_(r)
    )
    v = f"{stem}_verdicts"
    count = len(protocol.criteria)
    worst = exp.Greatest(this=_col("c0", v), expressions=[_col(f"c{k}", v) for k in range(1, count)])
    statuses = exp.select(
        _col("patient_id", v),
        _col(PATIENT_KEY, v),
        _col("first_dose", v),
        *(_col(f"c{k}", v) for k in range(count)),
        _alias(worst, _WORST),
    ).from_(exp.to_table(v).as_(v))
    st = f"{stem}_status"
    return [(r, frame), (v, verdicts), (st, statuses)], st


def _literal(value: str | int) -> exp.Expr:
    return _str(value) if isinstance(value, str) else exp.Literal.number(value)


def _decode(value: exp.Expr, pairs: list[tuple[str | int, str | int]], default: str | int) -> exp.Case:
    ifs = [exp.If(this=_literal(when), true=_literal(then)) for when, then in pairs]
    return exp.Case(this=value.copy(), ifs=ifs, default=_literal(default))


# -- the earliest eligible date ----------------------------------------------------------
DatedTest = ast.DateTest | ast.Compare | ast.Between


def _date_tests(node: ast.Expr, collection: str | None) -> Iterator[tuple[DatedTest, str | None]]:
    """Every first-dose-dependent test of a rule with the collection it ranges over:
    date tests on event dates, and ages at the first dose."""
    if isinstance(node, ast.DateTest):
        if node.ref == "first_dose" and node.field.path[-1] not in FRESHNESS_FIELDS:
            yield node, collection
    elif isinstance(node, ast.Compare | ast.Between):
        value = node.left if isinstance(node, ast.Compare) else node.value
        if isinstance(value, ast.Age) and value.at == "first_dose":
            yield node, None
    elif isinstance(node, ast.Not):
        yield from _date_tests(node.operand, collection)
    elif isinstance(node, ast.And | ast.Or):
        for op in node.operands:
            yield from _date_tests(op, collection)
    elif isinstance(node, ast.Quantifier) and node.where is not None:
        yield from _date_tests(node.where, node.collection)


def _add_days(day: exp.Expr, days: exp.Expr) -> exp.Expr:
    # Spark's DATE_ADD takes an INT number of days, not the BIGINT an aggregate gives
    count = exp.cast(days, exp.DataType.build("INT"))
    return exp.cast(exp.DateAdd(this=day, expression=count, unit=exp.var("DAY")), exp.DataType.build("DATE"))


def _add_months(day: exp.Expr, months: int) -> exp.Expr:
    return exp.cast(exp.DateAdd(this=day, expression=exp.Literal.number(months), unit=exp.var("MONTH")), "DATE")


def _offsets(
    duration: ast.Duration, compiler: RuleCompiler, scope_alias: str, collection: str, where: str
) -> list[tuple[str, exp.Expr | int]]:
    """The shifts from an event date at which a date test can change: each bound of the
    duration, and the day after it."""
    if isinstance(duration, ast.Span):
        if duration.unit in ("months", "years"):
            months = duration.amount * (12 if duration.unit == "years" else 1)
            return [("months", months)]
        days = {"days": 1, "weeks": 7}[duration.unit] * duration.amount
        return [("days", days)]
    if isinstance(duration, ast.ShorterOf):
        return _offsets(duration.first, compiler, scope_alias, collection, where) + _offsets(
            duration.second, compiler, scope_alias, collection, where
        )
    # half-lives: the item's own number of days, from the compiler's CTE
    low, _ = compiler.item_duration(duration, collection, scope_alias, where)
    return [("expr", low)]


def _candidate_selects(protocol: LoadedProtocol, compiler: RuleCompiler, lifting: list[str]) -> list[exp.Select]:
    """One SELECT of (patient_key, day) per first-dose-dependent test of the criteria
    whose failure can lift."""
    selects: list[exp.Select] = []
    by_id = {pc.criterion.id: pc for pc in protocol.criteria}
    for cid in lifting:
        pc = by_id[cid]
        where = f"{protocol.id}:{cid}"
        for reading in pc.readings:
            for test, collection in _date_tests(reading.rule, None):
                if isinstance(test, ast.DateTest):
                    assert collection is not None
                    section = ast.COLLECTIONS[collection]
                    alias = "ci"
                    column = _col("__".join(test.field.path), alias)
                    for kind, amount in _offsets(test.duration, compiler, alias, collection, where):
                        if isinstance(amount, exp.Expr):
                            bases = [_add_days(column.copy(), amount)]
                        elif kind == "months":
                            bases = [_add_months(column.copy(), amount)]
                        else:
                            bases = [_add_days(column.copy(), exp.Literal.number(amount))]
                        days: list[exp.Expr] = [column.copy()]
                        for b in bases:
                            days += [b, _add_days(b.copy(), exp.Literal.number(1))]
                        query = exp.select().from_(exp.to_table(section).as_(alias))
                        item_keys: dict[str, exp.Expr] = {
                            PATIENT_KEY: _col(PATIENT_KEY, alias),
                            "item_index": _col("item_index", alias),
                        }
                        query = compiler.join_ctes(query, days, item_keys)
                        for d in days:
                            selects.append(
                                query.copy().select(_alias(_col(PATIENT_KEY, alias), PATIENT_KEY), _alias(d, "day"))
                            )
                else:
                    selects += _birthdays(test)
    if not selects:
        raise CompileError(f"{protocol.id}: no date test to search")
    return selects


def _birthdays(test: DatedTest) -> list[exp.Select]:
    """The days an age test at the first dose can change: the birthdays at its bounds
    (and the day after, for a 29 February birth in a common year)."""
    years: list[int] = []
    if isinstance(test, ast.Compare):
        assert isinstance(test.right, ast.Quantity)
        years = [int(test.right.value), int(test.right.value) + 1]
    elif isinstance(test, ast.Between):
        years = [int(test.low.value), int(test.high.value) + 1]
    b = "cb"
    selects = []
    for y in years:
        day = _add_months(_col("birth_date", b), 12 * y)
        for shift in (day, _add_days(day.copy(), exp.Literal.number(1))):
            selects.append(
                exp.select(_alias(_col(PATIENT_KEY, b), PATIENT_KEY), _alias(shift, "day")).from_(
                    exp.to_table("patients").as_(b)
                )
            )
    return selects


def _lifting(protocol: LoadedProtocol) -> list[str]:
    """The criteria whose verdict can change with the first-dose date."""
    return [
        pc.criterion.id for pc in protocol.criteria if any(True for r in pc.readings for _ in _date_tests(r.rule, None))
    ]


def compile_protocol(
    protocol: LoadedProtocol,
    knowledge: Knowledge,
    dates: Dates | None = None,
    settings: Settings | None = None,
    *,
    earliest: bool = True,
) -> CompiledProtocol:
    """Compile every criterion of `protocol`. Without `dates` each patient is screened at
    the as-of and first-dose dates stored with it in `patients`; without `earliest` the
    earliest eligible date is NULL (and not searched): one statement.

    With `earliest`, two: a stage screens everyone at the planned first dose (the
    earliest date is that dose where nothing fails); the query then runs the search
    (`_search`: candidate first doses, each screened) over the facts of the searched
    patients only — those who fail only criteria whose verdict can change with the first
    dose, a few percent of a population — and adds its dates. Every CTE is per patient, so restricting the facts
    to some patients leaves their rows as they were; what it saves is listing candidate
    days, and screening them, for everyone."""
    ids = [pc.criterion.id for pc in protocol.criteria]
    for reserved in ("patient_id", PATIENT_KEY, "first_dose", STATUS, EARLIEST):
        if reserved in ids:
            raise CompileError(f"{protocol.id}: a criterion id may not be {reserved!r}")
    if not earliest:
        return _single(protocol, knowledge, dates, settings, "none")
    screened = _single(protocol, knowledge, dates, settings, "planned").query
    screened.set("order", None)  # the final query orders the rows; a stored stage need not
    stage = Stage(f"td_{re.sub(r'[^0-9a-z]', '_', protocol.id.lower())}_screened", screened)
    search = _search(protocol, knowledge, dates, settings)
    m, r, ids_cte = "m", "r", "td_searched"
    lifting = _lifting(protocol)
    searched = (
        exp.select(_col(PATIENT_KEY, m))
        .from_(exp.to_table(stage.name, quoted=True).as_(m))
        .where(
            exp.and_(
                _fails(_col(_WORST, m)),
                *(_not_fail(_col(f"c{k}", m)) for k, i in enumerate(ids) if i not in lifting),
                copy=False,
            )
        )
    )
    # the searched patients' facts are stored, not CTEs: an engine may inline a CTE at
    # each of its dozens of readers, scanning the whole table each time
    stages = [stage, Stage(ids_cte, searched), *(Stage(n, q) for n, q in _restrict(search, ids_cte))]
    with_ = search.args.get("with_")
    assert with_ is not None
    ctes: list[tuple[str, exp.Select]] = [(cte.alias, cte.this) for cte in with_.expressions]
    body = search
    body.set("with_", None)
    ctes.append(("td_searched_rows", body))
    final = (
        exp.select(
            *_output(m, protocol),
            _alias(exp.Coalesce(this=_col(EARLIEST, m), expressions=[_col(EARLIEST, r)]), EARLIEST),
        )
        .from_(exp.to_table(stage.name, quoted=True).as_(m))
        .join(
            exp.to_table("td_searched_rows").as_(r),
            on=exp.EQ(this=_col(PATIENT_KEY, r), expression=_col(PATIENT_KEY, m)),
            join_type="left",
        )
    )
    return replace(_statement(protocol, final, ctes, m), stages=tuple(stages))


def _restrict(statement: exp.Select, ids: str) -> list[tuple[str, exp.Select]]:
    """Point every facts table `statement` reads at a CTE of its rows for the patients
    listed in the CTE `ids` (in place); returns those CTEs."""
    facts = set(table_columns())
    used: list[str] = []
    for table in list(statement.find_all(exp.Table)):
        name = table.name
        if name not in facts or table.args.get("db"):
            continue
        if name not in used:
            used.append(name)
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
        table.set("this", exp.to_identifier(f"td_{name}_searched"))
    ctes = []
    for name in used:
        t, i = "t", "i"
        rows = (
            exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(t)))
            .from_(exp.to_table(name).as_(t))
            .join(exp.to_table(ids).as_(i), on=exp.EQ(this=_col(PATIENT_KEY, i), expression=_col(PATIENT_KEY, t)))
        )
        ctes.append((f"td_{name}_searched", rows))
    return ctes


def _single(
    protocol: LoadedProtocol, knowledge: Knowledge, dates: Dates | None, settings: Settings | None, earliest: str
) -> CompiledProtocol:
    """The protocol as one statement. `earliest`: `planned`: the stage the search and the
    final query read — `patient_id`, `patient_key`, the verdict codes, and the planned
    first dose where nothing fails, else NULL; `none`: the output, with a NULL date."""
    compiler = RuleCompiler(knowledge, settings or Settings())
    base = _screening_base(dates)
    main, main_status = _verdict_frames(protocol, compiler, "main")
    main_ctes = [(cte.name, cte.query) for cte in compiler.pending()]
    screening = [(SCREENING_BASE, base), (SCREENING, exp.select(exp.Star()).from_(exp.to_table(SCREENING_BASE)))]
    ms = main_status
    if earliest == "planned":
        # the stage the search and the final query read: codes, not yet spelled
        codes = (f"c{k}" for k in range(len(protocol.criteria)))
        columns: list[exp.Expr] = [_col(c, ms) for c in ("patient_id", PATIENT_KEY, *codes, _WORST)]
        day: exp.Expr = exp.Case(
            ifs=[exp.If(this=_not_fail(_col(_WORST, ms)), true=_col("first_dose", ms))], default=exp.Null()
        )
    else:
        columns, day = _output(ms, protocol), exp.Null()
    final = exp.select(*columns, _alias(day, EARLIEST)).from_(exp.to_table(ms).as_(ms))
    return _statement(protocol, final, [*screening, *main_ctes, *main], main_status)


def _search(
    protocol: LoadedProtocol, knowledge: Knowledge, dates: Dates | None, settings: Settings | None
) -> exp.Select:
    """The search for the earliest eligible date, as one statement over facts that hold
    the searched patients only (`td_searched`: ineligible at the planned first dose, and
    failing only criteria that can lift): `patient_key` and the earliest candidate first
    dose at which no criterion fails, for the patients who have one.

    The candidates are screened with the data held at the planned first dose (`data_ref`);
    what does not depend on the first dose (a section aggregate, a pick) is computed once
    per patient and shared by every candidate."""
    compiler = RuleCompiler(knowledge, settings or Settings())
    base = _screening_base(dates)
    lifting = _lifting(protocol)
    union: exp.Expr | None = None
    for select in _candidate_selects(protocol, compiler, lifting):
        union = select if union is None else exp.union(union, select, distinct=False, copy=False)
    assert union is not None
    u, sp = "u", SCREENING_BASE
    horizon = _add_days(_col("first_dose", sp), exp.Literal.number(HORIZON_DAYS))
    candidate_days = (
        exp.select(_col(PATIENT_KEY, u), _col("day", u))
        .distinct()
        .from_(exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier(u))))
        .join(exp.to_table(sp).as_(sp), on=exp.EQ(this=_col(PATIENT_KEY, sp), expression=_col(PATIENT_KEY, u)))
        .where(exp.GT(this=_col("day", u), expression=_col("first_dose", sp)))
        .where(exp.LTE(this=_col("day", u), expression=horizon))
    )
    c = "cd"
    attributes = [_col(col, sp) for col in (*PATIENT_COLUMNS, PATIENT_KEY) if col not in ("as_of", "first_dose")]
    candidates = (
        exp.select(
            *attributes,
            _col("as_of", sp),
            _alias(_col("day", c), "first_dose"),
            _col("data_ref", sp),
        )
        .from_(exp.to_table(sp).as_(sp))
        .join(
            exp.to_table("candidate_days").as_(c),
            on=exp.EQ(this=_col(PATIENT_KEY, c), expression=_col(PATIENT_KEY, sp)),
        )
    )
    candidate_ctes = [(cte.name, cte.query) for cte in compiler.pending()]
    later = compiler.for_screening(_CANDIDATES, "e_")
    search, search_status = _verdict_frames(protocol, later, "search")
    search_ctes = [(cte.name, cte.query) for cte in later.pending()]
    es = search_status
    lifted = (
        exp.select(_col(PATIENT_KEY, es), _alias(exp.Min(this=_col("first_dose", es)), EARLIEST))
        .from_(exp.to_table(es).as_(es))
        .where(_not_fail(_col(_WORST, es)))
        .group_by(_col(PATIENT_KEY, es))
    )
    ctes: list[tuple[str, exp.Select]] = [
        (SCREENING_BASE, base),
        *candidate_ctes,
        ("candidate_days", candidate_days),
        (_CANDIDATES, candidates),
        *search_ctes,
        *search,
    ]
    for name, body in ctes:
        lifted = lifted.with_(exp.to_identifier(name, quoted=True), as_=body, copy=False)
    return lifted


def _fails(code: exp.Expr) -> exp.Expr:
    return exp.EQ(this=code, expression=exp.Literal.number(FAIL))


def _not_fail(code: exp.Expr) -> exp.Expr:
    return exp.NEQ(this=code, expression=exp.Literal.number(FAIL))


def _output(frame: str, protocol: LoadedProtocol) -> list[exp.Expr]:
    """The output columns from a frame of codes: `patient_id`, each criterion's verdict
    under its id, and the status."""
    verdicts = [
        _alias(_decode(_col(f"c{k}", frame), [(PASS, "pass"), (UNKNOWN, "unknown")], "fail"), pc.criterion.id)
        for k, pc in enumerate(protocol.criteria)
    ]
    status = _decode(_col(_WORST, frame), [(PASS, "eligible"), (UNKNOWN, "undetermined")], "ineligible")
    return [_col("patient_id", frame), *verdicts, _alias(status, STATUS)]


def _statement(
    protocol: LoadedProtocol, final: exp.Select, ctes: list[tuple[str, exp.Select]], status: str
) -> CompiledProtocol:
    for name, body in ctes:
        final = final.with_(exp.to_identifier(name, quoted=True), as_=body, copy=False)
    # by the surrogate key, dense in id order (store.open_facts, facts.fact_rows): the
    # order of the ids' code points on every engine, whatever its collation, and an
    # integer sort rather than a string one
    final = final.order_by(_col(PATIENT_KEY, status), copy=False)
    ids = tuple(pc.criterion.id for pc in protocol.criteria)
    return CompiledProtocol(protocol.id, ids, tuple(pc.criterion.kind for pc in protocol.criteria), final)


def prescreen(
    con: Any,
    protocol: LoadedProtocol,
    knowledge: Knowledge,
    as_of: date | None = None,
    first_dose: date | None = None,
    dialect: str = "duckdb",
) -> list[dict[str, Any]]:
    """One dict per patient (ordered by id): `patient_id`, each criterion's verdict,
    `status` and `earliest_eligible`, from a DB-API connection (DuckDB's by default).

    With `as_of` (and optionally `first_dose`, default the as-of date) every patient is
    screened at those dates; otherwise at the dates stored with each patient."""
    dates = Dates.literal(as_of, first_dose or as_of) if as_of is not None else None
    compiled = compile_protocol(protocol, knowledge, dates)
    *stages, query = compiled.statements(dialect)
    for statement in stages:
        con.execute(statement)
    rows = con.execute(query).fetchall()
    for stage in compiled.stages:
        con.execute(f"DROP TABLE IF EXISTS {stage.name}")
    return [dict(zip(compiled.columns, row, strict=True)) for row in rows]
