"""Compile a rule to SQL: the third walker of the criteria syntax tree.

Each rule becomes a nullable BOOLEAN expression per screening row (`s`: a patient and a
first-dose date), NULL standing for the language's unknown, over the patient-facts schema
of `trialdesk.population.facts`. SQL's AND, OR and NOT on nullable booleans are Kleene's
strong three-valued logic, so the connectives map directly; everything SQL would
otherwise turn into two values is made explicit:

1. a leaf whose datum is missing is NULL by a CASE, never false;
2. a quantifier is a column of its section's aggregate (one per section, grouped by
   patient): the maximum over items of 2 (matches), 1 (cannot be decided) or 0; a match
   makes it true, an undecidable item unknown; no match is false only when the section
   was reviewed as complete within `review_max_age_days` of the first dose or a
   documented absence covers every kind of item the condition could match (as
   `evaluate._denied`), and unknown otherwise;
3. `latest()` picks, in a CTE, the newest observation in its window (ties by record
   order) that was not measured within the support window after a transfusion or growth
   factor; when support cannot be ruled out the pick is unknown, as in `evaluate`.

Expressions are SQLGlot trees; `.sql(dialect=...)` is the only place a dialect is named.
A construct that cannot be expressed exactly raises `CompileError` naming the criterion;
nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlglot import exp

from trialdesk.criteria import ast
from trialdesk.criteria.evaluate import FRESHNESS_FIELDS, IDENTITY_FIELD, Settings, identity_filter, possible_kinds
from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.dates import days_before
from trialdesk.patient.measures import CREATININE_UMOL_PER_MG_DL
from trialdesk.population.facts import PATIENT_COLUMNS, PATIENT_KEY, column_name, item_columns

_UNIT_DAYS = {"days": Decimal(1), "weeks": Decimal(7), "months": Decimal("30.4375"), "years": Decimal("365.25")}
_SCALE = Decimal("1e-12")
_AGENT_TYPES = {
    "class": "VARCHAR[]",
    "target": "VARCHAR[]",
    "contains": "VARCHAR[]",
    "is_adc": "BOOLEAN",
    "payload": "VARCHAR",
    "cyp3a4": "VARCHAR",
}


class CompileError(TrialdeskError):
    """A rule uses a construct the SQL compiler cannot express exactly."""


@dataclass(frozen=True)
class Dates:
    """One as-of and first-dose date for every patient, as SQL literals (without them,
    each patient is screened at the dates stored with it in `patients`)."""

    as_of: exp.Expr
    first_dose: exp.Expr

    @classmethod
    def literal(cls, as_of: date, first_dose: date) -> Dates:
        return cls(_date(as_of), _date(first_dose))

    def ref(self, name: str) -> exp.Expr:
        return (self.first_dose if name == "first_dose" else self.as_of).copy()


# -- small SQL builders -------------------------------------------------------------------
def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table, quoted=True)


def _date(day: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.build("DATE"))


def _str(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _num(value: Decimal | int | float) -> exp.Expr:
    return exp.Literal.number(str(value))


def _bool(value: bool) -> exp.Boolean:
    return exp.Boolean(this=value)


def _null() -> exp.Null:
    return exp.Null()


def _paren(e: exp.Expr) -> exp.Paren:
    return exp.Paren(this=e)


def _not(e: exp.Expr) -> exp.Not:
    # parenthesised: SQLGlot prints Not(And(a, b)) as NOT a AND b
    return exp.Not(this=e if isinstance(e, exp.Paren) else _paren(e))


def _case(ifs: list[tuple[exp.Expr, exp.Expr]], default: exp.Expr) -> exp.Case:
    # built in place: `Case.when` copies the whole CASE at each branch (and each branch's
    # operands), which made compiling a protocol quadratic in its nesting
    return exp.Case(ifs=[exp.If(this=cond, true=then) for cond, then in ifs], default=default)


def _is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e.copy(), expression=_null())


def _cmp(left: exp.Expr, op: str, right: exp.Expr) -> exp.Expr:
    node: type[exp.Binary] = {
        "<": exp.LT,
        "<=": exp.LTE,
        ">": exp.GT,
        ">=": exp.GTE,
        "=": exp.EQ,
        "!=": exp.NEQ,
    }[op]
    return node(this=left, expression=right)


def day_count(days: exp.Expr) -> exp.Expr:
    """A number of days as date arithmetic takes it: Spark's DATE_ADD accepts an INT only,
    and DATEDIFF, CEIL and the other day counts are BIGINT there (DOUBLE or NUMERIC
    elsewhere)."""
    return days if isinstance(days, exp.Literal) else exp.cast(days, exp.DataType.build("INT"))


def _days_ago(ref: exp.Expr, days: exp.Expr) -> exp.Expr:
    return exp.cast(exp.DateSub(this=ref, expression=day_count(days), unit=exp.var("DAY")), exp.DataType.build("DATE"))


def _elapsed(day: exp.Expr, ref: exp.Expr) -> exp.Expr:
    """Whole days from `day` to `ref` (ref − day)."""
    return exp.DateDiff(this=ref, expression=day, unit=exp.var("DAY"))


def _span_start(ref: exp.Expr, span: ast.Span) -> exp.Expr:
    """ref − span, with calendar months clipped to the month's end (`dates.add_months`)."""
    if span.unit in ("months", "years"):
        months = span.amount * (12 if span.unit == "years" else 1)
        return exp.cast(
            exp.DateSub(this=ref, expression=_num(months), unit=exp.var("MONTH")), exp.DataType.build("DATE")
        )
    return _days_ago(ref, _num(days_before(date(2000, 1, 1), span.amount, span.unit)))


def _span_days(ref: exp.Expr, span: ast.Span) -> exp.Expr:
    """`dates.days_before(ref, amount, unit)` as SQL."""
    if span.unit in ("months", "years"):
        return _elapsed(_span_start(ref.copy(), span), ref.copy())
    return _num(days_before(date(2000, 1, 1), span.amount, span.unit))


def _age(birth: exp.Expr, on: exp.Expr) -> exp.Expr:
    """Completed years (`dates.age_in_years`): a 29 February birthday falls on 1 March in
    common years, which the month-day comparison gives as well."""

    def month_day(d: exp.Expr) -> exp.Expr:
        return exp.Add(
            this=exp.Mul(this=exp.Month(this=d.copy()), expression=_num(100)), expression=exp.Day(this=d.copy())
        )

    years = exp.Sub(this=exp.Year(this=on.copy()), expression=exp.Year(this=birth.copy()))
    before_birthday = _case([(exp.GT(this=month_day(birth), expression=month_day(on)), _num(1))], _num(0))
    return _paren(exp.Sub(this=years, expression=before_birthday))


def _switch(operand: exp.Expr, cases: list[tuple[exp.Expr, exp.Expr]], default: exp.Expr) -> exp.Case:
    """CASE operand WHEN … : the operand (often a correlated subquery) is written once."""
    return exp.Case(this=operand, ifs=[exp.If(this=value, true=then) for value, then in cases], default=default)


def _decode_max(level: exp.Expr) -> exp.Expr:
    """2 → true, 1 → unknown, 0 or no rows → false: Kleene disjunction over rows."""
    return _switch(level, [(_num(2), _bool(True)), (_num(1), _null())], _bool(False))


def _level(truth: exp.Expr) -> exp.Expr:
    return _switch(truth, [(_bool(True), _num(2)), (_bool(False), _num(0))], _num(1))


def _has_any(array: exp.Expr, names: list[exp.Expr]) -> exp.Expr:
    """The (non-null) array holds one of `names`. One ARRAY_CONTAINS per name rather than
    one overlap: SQLGlot 30 prints ArrayOverlaps as `&&`, which Spark SQL does not parse,
    while ArrayContains prints as each engine spells it (PostgreSQL: `= ANY`)."""
    tests = [exp.ArrayContains(this=array.copy(), expression=n) for n in names]
    return _paren(exp.or_(*tests, copy=False)) if tests else _bool(False)


def _exact(value: Decimal, what: str) -> exp.Expr:
    if value.quantize(_SCALE) != value:
        raise CompileError(f"{what}: threshold {value} has more than 12 decimal places in the canonical unit")
    return _num(value.normalize() if value == value.to_integral_value() else value)


# -- the compiler -------------------------------------------------------------------------
# The screening relation `s` has one row per patient and first-dose date with every column
# of `patients` plus `data_ref` (the date freshness windows are judged against); `sp` has
# one row per patient. The main pass reads `s` = `sp`; the search for the earliest
# eligible date reads candidate first doses in `s` and keeps `sp` at the planned one.
SCREENING = "s"
SCREENING_BASE = "sp"
_KEY_PATIENT = (PATIENT_KEY,)
_KEY_SCREENING = (PATIENT_KEY, "first_dose")
_KEY_ITEM = (PATIENT_KEY, "item_index")


@dataclass(frozen=True)
class Cte:
    """A named per-key aggregate joined (left) into the frames that read it."""

    name: str
    query: exp.Select
    keys: tuple[str, ...]


@dataclass(frozen=True)
class _Scope:
    collection: str
    alias: str


@dataclass
class _Group:
    """The per-patient (or per screening row, when dated) aggregate of one section: one
    `lvl_n` column per quantifier over it, and its `denied_n_i` flags."""

    name: str
    section: str
    alias: str
    keys: tuple[str, ...]
    screening: str
    columns: list[tuple[str, exp.Expr]]
    # the item kinds (`category IN (…)`) every quantifier of the group starts with; None
    # once one does not. Items of other kinds add nothing to any column (a level's MAX
    # skips their NULL, a denial flag reads 0, as for a patient with no row at all), so
    # the group reads only the listed kinds.
    kinds: tuple[str, set[str]] | None = None
    every_kind: bool = False

    def admit(self, identity: tuple[str, frozenset[str]] | None) -> None:
        """Note the kinds a new quantifier of the group can match (`identity_filter`)."""
        if identity is None or (self.kinds is not None and self.kinds[0] != identity[0]):
            self.every_kind = True
        elif self.kinds is None:
            self.kinds = (identity[0], set(identity[1]))
        else:
            self.kinds[1].update(identity[1])

    def build(self, compiler: RuleCompiler) -> Cte:
        a = self.alias
        frame: dict[str, exp.Expr] = {PATIENT_KEY: _col(PATIENT_KEY, a), "item_index": _col("item_index", a)}
        query = exp.select().from_(exp.to_table(self.section).as_(a))
        if self.kinds is not None and not self.every_kind:
            field_, codes = self.kinds
            query = query.where(exp.In(this=_col(field_, a), expressions=[_str(c) for c in sorted(codes)]), copy=False)
        if self.keys == _KEY_SCREENING:
            s = self.screening
            query = query.join(
                exp.to_table(s).as_(s), on=exp.EQ(this=_col(PATIENT_KEY, s), expression=_col(PATIENT_KEY, a))
            )
            frame["first_dose"] = _col("first_dose", s)
        query = compiler.join_ctes(query, [e for _, e in self.columns], frame)
        group = [frame[k] for k in self.keys]
        query = query.select(
            *(exp.alias_(g.copy(), k, copy=False) for g, k in zip(group, self.keys, strict=True)),
            *(exp.alias_(e, name, copy=False) for name, e in self.columns),
            copy=False,
        ).group_by(*(g.copy() for g in group), copy=False)
        return Cte(self.name, query, self.keys)


@dataclass
class _AgentGroup:
    """Per-item aggregates over the agents of one collection (therapy or medication)."""

    name: str
    collection: str
    columns: list[tuple[str, exp.Expr]]

    def build(self, compiler: RuleCompiler) -> Cte:
        a = "a"
        query = (
            exp.select(
                _col(PATIENT_KEY, a),
                _col("item_index", a),
                *(exp.alias_(e, n, copy=False) for n, e in self.columns),
                copy=False,
            )
            .from_(exp.to_table("agents").as_(a))
            .where(exp.EQ(this=_col("collection", a), expression=_str(self.collection)))
            .group_by(_col(PATIENT_KEY, a), _col("item_index", a))
        )
        return Cte(self.name, query, _KEY_ITEM)


def references(expression: exp.Expr) -> set[str]:
    """The table aliases an expression reads columns of."""
    return {column.table for column in expression.find_all(exp.Column)}


@dataclass
class RuleCompiler:
    """Compiles the rules of one protocol into expressions over `s` plus per-key CTEs.

    Every aggregate a rule needs (a quantifier's levels, an agent's classes, the newest
    observation in a window, an attestation, a section review) is a CTE grouped by its key
    and joined to the frame that reads it, never a correlated subquery: engines plan a
    join per CTE in milliseconds where correlated subqueries over millions of rows cost
    minutes (and Spark rejects some). CTEs are shared by every rule of the compiler.
    `prefix` keeps two compilations of one protocol apart in one statement."""

    knowledge: Knowledge
    settings: Settings = field(default_factory=Settings)
    prefix: str = ""
    screening: str = SCREENING
    base: str = SCREENING_BASE
    ctes: list[Cte] = field(default_factory=list)
    _memo: dict[object, Any] = field(default_factory=dict)
    # quantifier aggregates, one CTE per section (and dating): built when emitted
    _groups: dict[str, _Group | _AgentGroup] = field(default_factory=dict)
    _keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _emitted: set[str] = field(default_factory=set)

    def truth(self, node: ast.Expr, where: str) -> exp.Expr:
        """The rule's truth per screening row as a nullable BOOLEAN over `s` and the CTEs
        (`join_ctes` adds them to a frame); `where` names the criterion in errors."""
        return self._expr(node, None, where)

    def join_ctes(self, query: exp.Select, expressions: list[exp.Expr], keys: dict[str, exp.Expr]) -> exp.Select:
        """Left-join every CTE the expressions read, on its keys taken from `keys`."""
        used: set[str] = set()
        for e in expressions:
            used |= references(e)
        for name, cte_keys in self._keys.items():
            if name not in used:
                continue
            on = exp.and_(*(exp.EQ(this=_col(k, name), expression=keys[k].copy()) for k in cte_keys), copy=False)
            query = query.join(exp.to_table(name).as_(name), on=on, join_type="left", copy=False)
        return query

    def for_screening(self, screening: str, prefix: str) -> RuleCompiler:
        """A compiler over another screening relation (candidate first doses) sharing
        this one's CTEs: what does not depend on the first dose is computed once."""
        return RuleCompiler(
            self.knowledge,
            self.settings,
            prefix,
            screening,
            self.base,
            self.ctes,
            self._memo,
            self._groups,
            self._keys,
            self._emitted,
        )

    def pending(self) -> list[Cte]:
        """The CTEs not yet emitted, dependencies first; they count as emitted after."""
        built = [c for c in self.ctes if c.name not in self._emitted]
        built += [g.build(self) for name, g in self._groups.items() if name not in self._emitted]
        by_name = {c.name: c for c in built}
        order: list[Cte] = []
        seen: set[str] = set()

        def visit(c: Cte) -> None:
            if c.name in seen:
                return
            seen.add(c.name)
            for name in sorted(references(c.query) & set(by_name)):
                if name != c.name:
                    visit(by_name[name])
            order.append(c)

        for c in built:
            visit(c)
        self._emitted |= {c.name for c in order}
        return order

    def _add(self, memo_key: object, stem: str, query: exp.Select, keys: tuple[str, ...]) -> Cte:
        cte = Cte(f"{self.prefix}{stem}{len(self._keys)}", query, keys)
        self.ctes.append(cte)
        self._keys[cte.name] = keys
        if memo_key is not None:
            self._memo[memo_key] = cte
        return cte

    def _dated(self, expressions: list[exp.Expr]) -> bool:
        """Whether the expressions depend on the screening row's dates (read `s` or a CTE
        keyed by first dose)."""
        used: set[str] = set()
        for e in expressions:
            used |= references(e)
        return self.screening in used or any(self._keys.get(name) == _KEY_SCREENING for name in used)

    # -- expressions ----------------------------------------------------------------------
    def _expr(self, node: ast.Expr, scope: _Scope | None, where: str) -> exp.Expr:
        if isinstance(node, ast.Literal):
            return _bool(node.value)
        if isinstance(node, ast.Not):
            return _not(self._expr(node.operand, scope, where))
        if isinstance(node, ast.And | ast.Or):
            parts = [_paren(self._expr(op, scope, where)) for op in node.operands]
            joined = exp.and_(*parts, copy=False) if isinstance(node, ast.And) else exp.or_(*parts, copy=False)
            return _paren(joined)
        if isinstance(node, ast.Compare):
            return self._compare(node, scope, where)
        if isinstance(node, ast.Between):
            return self._between(node, scope, where)
        if isinstance(node, ast.Member):
            names = [s.name for s in node.values]
            return self._field_test(node.field, scope, where, ("in", names))
        if isinstance(node, ast.Flag):
            return self._field_test(node.field, scope, where, ("flag", []))
        if isinstance(node, ast.DateTest):
            return self._date_test(node, scope, where)
        if isinstance(node, ast.Quantifier):
            found = self._any(node, where)
            return _not(found) if node.kind == "none" else found
        if isinstance(node, ast.Attested):
            cte, prefix = self._attestation(node.topic)
            return _col(prefix + "value", cte)
        raise CompileError(f"criterion {where}: no SQL for {type(node).__name__}")

    def _ref(self, name: str, *, fresh: bool = False, frame: str | None = None) -> exp.Expr:
        """A reference date of the frame (`s` unless named): freshness windows on the
        first dose read `data_ref` (evaluate.Context.fresh_ref)."""
        frame = frame or self.screening
        if name != "first_dose":
            return _col("as_of", frame)
        return _col("data_ref" if fresh else "first_dose", frame)

    # -- patient attributes and attestations ------------------------------------------------
    def _attestation(self, topic: str) -> tuple[str, str]:
        """The CTE and column prefix of the newest attestation of a topic per patient
        (ties by record order): one CTE, a column trio per topic of the vocabulary."""
        if topic not in self.knowledge.attestations:
            raise CompileError(f"attestation topic {topic!r} is not in the vocabulary")
        key = ("attestations",)
        if key in self._memo:
            return self._memo[key].name, f"{topic}__"
        a = "a"
        rank = exp.Window(
            this=exp.RowNumber(),
            partition_by=[_col(PATIENT_KEY, a), _col("topic", a)],
            order=exp.Order(
                expressions=[
                    exp.Ordered(this=_col("on", a), desc=True, nulls_first=False),
                    exp.Ordered(this=_col("idx", a), nulls_first=True),
                ]
            ),
        )
        ranked = exp.select(
            *(_col(c, a) for c in (PATIENT_KEY, "topic", "value", "quantity", "unit")),
            exp.alias_(rank, "rn", copy=False),
        ).from_(exp.to_table("attestations").as_(a))
        columns: list[exp.Expr] = []
        for name in sorted(self.knowledge.attestations):
            this = exp.EQ(this=exp.column("topic", "ra"), expression=_str(name))
            # one row per patient and topic remains: each aggregate reads that row's value
            columns += [
                exp.alias_(
                    exp.LogicalOr(this=_case([(this, exp.column("value", "ra"))], _null())),
                    f"{name}__value",
                    copy=False,
                ),
                exp.alias_(
                    exp.Max(this=_case([(this.copy(), exp.column("quantity", "ra"))], _null())),
                    f"{name}__quantity",
                    copy=False,
                ),
                exp.alias_(
                    exp.Max(this=_case([(this.copy(), exp.column("unit", "ra"))], _null())), f"{name}__unit", copy=False
                ),
            ]
        query = (
            exp.select(exp.column(PATIENT_KEY, "ra"), *columns)
            .from_(ranked.subquery("ra"))
            .where(exp.EQ(this=exp.column("rn", "ra"), expression=_num(1)))
            .group_by(exp.column(PATIENT_KEY, "ra"))
        )
        return self._add(key, "attest", query, _KEY_PATIENT).name, f"{topic}__"

    def _attested_quantity(self, node: ast.Compare, left: ast.AttestationValue, where: str) -> exp.Expr:
        right = node.right
        if not isinstance(right, ast.Quantity) or right.unit not in _UNIT_DAYS:
            raise CompileError(f"criterion {where}: attestation({left.topic}) is compared with a duration only")
        a, prefix = self._attestation(left.topic)
        quantity, unit_col = _col(prefix + "quantity", a), _col(prefix + "unit", a)
        unit_days = exp.Case(
            this=unit_col.copy(), ifs=[exp.If(this=_str(u), true=_num(d)) for u, d in _UNIT_DAYS.items()]
        )
        stated = exp.Mul(this=quantity, expression=_paren(unit_days))
        return _case(
            [(exp.or_(_is_null(quantity.copy()), _is_null(unit_col.copy()), copy=False), _null())],
            _cmp(stated, node.op, _num(right.value * _UNIT_DAYS[right.unit])),
        )

    # -- comparisons ----------------------------------------------------------------------
    def _compare(self, node: ast.Compare, scope: _Scope | None, where: str) -> exp.Expr:
        left = node.left
        if isinstance(left, ast.Latest):
            return self._compare_latest(node, left, where)
        if isinstance(left, ast.Age):
            if not isinstance(node.right, ast.Quantity):
                raise CompileError(f"criterion {where}: an age is compared with a number of years")
            birth = _col("birth_date", self.screening)
            age = _age(birth, self._ref(left.at))
            return _case([(_is_null(birth), _null())], _cmp(age, node.op, _num(node.right.value)))
        if isinstance(left, ast.CreatinineClearance):
            return self._creatinine_clearance(node, left, where)
        if isinstance(left, ast.AttestationValue):
            return self._attested_quantity(node, left, where)
        return self._field_test(left, scope, where, ("cmp", node))

    def _between(self, node: ast.Between, scope: _Scope | None, where: str) -> exp.Expr:
        if isinstance(node.value, ast.Age):
            birth = _col("birth_date", self.screening)
            age = _age(birth, self._ref(node.value.at))
            inside = exp.Between(this=age, low=_num(int(node.low.value)), high=_num(int(node.high.value)))
            return _case([(_is_null(birth), _null())], inside)
        both = ast.And((ast.Compare(node.value, ">=", node.low), ast.Compare(node.value, "<=", node.high)))
        return self._expr(both, scope, where)

    # -- observations ---------------------------------------------------------------------
    def _window(self, window: ast.Window | None, where: str) -> tuple[exp.Expr, exp.Expr]:
        """An observation window on the patient's base row (a freshness window)."""
        if window is None:
            ref = self._ref("first_dose", fresh=True, frame=self.base)
            return _days_ago(ref, _num(self.settings.default_window_days)), ref.copy()
        if not isinstance(window.duration, ast.Span):
            raise CompileError(f"criterion {where}: an observation window must be a fixed span")
        ref = self._ref(window.ref, fresh=True, frame=self.base)
        return _span_start(ref, window.duration), ref.copy()

    def _review(self, section: str) -> tuple[str, str]:
        """The CTE and column of the date a section was last reviewed as complete, per
        patient: one CTE, a column per section."""
        key = ("reviews",)
        column = f"reviewed_{section}"
        if key in self._memo:
            return self._memo[key].name, column
        r = "r"
        columns = [
            exp.alias_(
                exp.Max(
                    this=_case(
                        [
                            (
                                exp.and_(
                                    exp.EQ(this=_col("section", r), expression=_str(name)),
                                    _col("complete", r),
                                    copy=False,
                                ),
                                _col("reviewed_on", r),
                            )
                        ],
                        _null(),
                    )
                ),
                f"reviewed_{name}",
                copy=False,
            )
            for name in sorted(set(ast.COLLECTIONS.values()))
        ]
        query = (
            exp.select(_col(PATIENT_KEY, r), *columns)
            .from_(exp.to_table("section_reviews").as_(r))
            .group_by(_col(PATIENT_KEY, r))
        )
        return self._add(key, "reviews", query, _KEY_PATIENT).name, column

    def _section_fresh(self, section: str, frame: str | None = None) -> exp.Expr:
        """The section was reviewed as complete within review_max_age_days of the first
        dose (held at data_ref): a non-null BOOLEAN."""
        cte, column = self._review(section)
        reviewed = _col(column, cte)
        return exp.and_(
            _not(_is_null(reviewed)),
            exp.LTE(
                this=_elapsed(reviewed.copy(), self._ref("first_dose", fresh=True, frame=frame)),
                expression=_num(self.settings.review_max_age_days),
            ),
            copy=False,
        )

    def _support_events(self) -> Cte:
        """Transfusions and growth factors as [lo, hi] date intervals (hi NULL: ongoing)."""
        key = ("support_events",)
        if key in self._memo:
            known: Cte = self._memo[key]
            return known
        procedures = (
            exp.select(
                _col(PATIENT_KEY, "sp_"),
                exp.alias_(_col("performed_on", "sp_"), "lo", copy=False),
                exp.alias_(_col("performed_on", "sp_"), "hi", copy=False),
            )
            .from_(exp.to_table("procedures").as_("sp_"))
            .where(exp.EQ(this=_col("present", "sp_"), expression=_bool(True)))
            .where(exp.In(this=_col("type", "sp_"), expressions=[_str("transfusion"), _str("growth_factor")]))
        )
        medications = (
            exp.select(
                _col(PATIENT_KEY, "sm"),
                exp.alias_(_col("start", "sm"), "lo", copy=False),
                exp.alias_(_col("stop", "sm"), "hi", copy=False),
            )
            .from_(exp.to_table("medications").as_("sm"))
            .join(
                exp.to_table("agents").as_("sa"),
                on=exp.and_(
                    exp.EQ(this=_col(PATIENT_KEY, "sa"), expression=_col(PATIENT_KEY, "sm")),
                    exp.EQ(this=_col("collection", "sa"), expression=_str("medication")),
                    exp.EQ(this=_col("item_index", "sa"), expression=_col("item_index", "sm")),
                    copy=False,
                ),
            )
            .where(exp.ArrayContains(this=_col("drug_classes", "sa"), expression=_str("growth_factor")))
        )
        query = exp.select(PATIENT_KEY, "lo", "hi").from_(
            exp.union(procedures, medications, distinct=False).subquery("u")
        )
        return self._add(key, "support", query, _KEY_PATIENT)

    def _pick(self, node: ast.Latest, where: str) -> Cte:
        """The CTE holding, per patient, the observation `latest(...)` reads: the newest in
        its window (ties by record order) not measured within the support window after a
        transfusion or growth factor."""
        key = ("pick", node)
        if key in self._memo:
            picked_before: Cte = self._memo[key]
            return picked_before
        lab = self.knowledge.labs[node.code] if node.code in self.knowledge.labs else self.knowledge.lab(node.code)
        start, ref = self._window(node.window, where)
        o, base = "o", self.base
        conditions = [
            exp.EQ(this=_col("code", o), expression=_str(lab.code)),
            exp.LTE(this=_col("date", o), expression=ref),
            exp.GTE(this=_col("date", o), expression=start),
        ]
        if node.method:
            conditions.append(exp.EQ(this=_col("method", o), expression=_str(node.method)))
        in_window = (
            exp.select()
            .from_(exp.to_table("observations").as_(o))
            .join(
                exp.to_table(base).as_(base), on=exp.EQ(this=_col(PATIENT_KEY, base), expression=_col(PATIENT_KEY, o))
            )
            .where(exp.and_(*conditions, copy=False))
        )
        support: exp.Expr = _str("none")
        candidates = in_window.copy()
        if node.unsupported_for is not None:
            if not isinstance(node.unsupported_for, ast.Span):
                raise CompileError(f"criterion {where}: `no support within` takes a fixed span")
            day = _col("date", o)
            events = self._support_events().name
            overlap = exp.and_(
                exp.EQ(this=_col(PATIENT_KEY, events), expression=_col(PATIENT_KEY, o)),
                exp.LTE(this=_col("lo", events), expression=day.copy()),
                exp.or_(
                    _is_null(_col("hi", events)),
                    exp.GTE(this=_col("hi", events), expression=_days_ago(day, _span_days(day, node.unsupported_for))),
                ),
                copy=False,
            )
            supported = self._add(
                None,
                "supported",
                in_window.copy()
                .select(_col(PATIENT_KEY, o), _col("idx", o))
                .join(exp.to_table(events).as_(events), on=overlap)
                .group_by(_col(PATIENT_KEY, o), _col("idx", o)),
                _KEY_PATIENT,
            )
            s = supported.name
            candidates = candidates.join(
                exp.to_table(s).as_(s),
                on=exp.and_(
                    exp.EQ(this=_col(PATIENT_KEY, s), expression=_col(PATIENT_KEY, o)),
                    exp.EQ(this=_col("idx", s), expression=_col("idx", o)),
                    copy=False,
                ),
                join_type="left",
            ).where(_is_null(_col(PATIENT_KEY, s)))
            fresh = exp.and_(
                self._section_fresh("procedures", base), self._section_fresh("medications", base), copy=False
            )
            support = _case([(fresh, _str("none"))], _str("unknown"))
            review = self._review("procedures")[0]
            candidates = candidates.join(
                exp.to_table(review).as_(review),
                on=exp.EQ(this=_col(PATIENT_KEY, review), expression=_col(PATIENT_KEY, o)),
                join_type="left",
            )
        rank = exp.Window(
            this=exp.RowNumber(),
            partition_by=[_col(PATIENT_KEY, o)],
            order=exp.Order(
                expressions=[
                    exp.Ordered(this=_col("date", o), desc=True, nulls_first=False),
                    exp.Ordered(this=_col("idx", o), nulls_first=True),
                ]
            ),
        )
        ranked = candidates.select(
            *(_col(c, o) for c in (PATIENT_KEY, "date", "value", "result", "uln", "lln")),
            exp.alias_(support, "support", copy=False),
            exp.alias_(rank, "rn", copy=False),
        )
        picked = (
            exp.select(PATIENT_KEY, "date", "value", "result", "uln", "lln", "support")
            .from_(ranked.subquery("c"))
            .where(exp.EQ(this=exp.column("rn", "c"), expression=_num(1)))
        )
        return self._add(key, "pick", picked, _KEY_PATIENT)

    def _picked(self, k: str) -> exp.Expr:
        """The pick exists and support was ruled out."""
        return exp.and_(
            _not(_is_null(_col(PATIENT_KEY, k))), exp.EQ(this=_col("support", k), expression=_str("none")), copy=False
        )

    def _compare_latest(self, node: ast.Compare, left: ast.Latest, where: str) -> exp.Expr:
        k = self._pick(left, where).name
        right = node.right
        if isinstance(right, ast.Symbol):
            hit = exp.EQ(this=_col("result", k), expression=_str(right.name))
            test: exp.Expr = hit if node.op == "=" else _not(hit)
            return _case([(_not(self._picked(k)), _null()), (_is_null(_col("result", k)), _null())], test)
        value = _col("value", k)
        unknown: exp.Expr
        if isinstance(right, ast.LimitMultiple):
            limit = _col("uln" if right.limit == "ULN" else "lln", k)
            test = _cmp(value, node.op, exp.Mul(this=_num(right.factor), expression=limit))
            unknown = exp.or_(_is_null(value), _is_null(limit), copy=False)
        else:
            lab = self.knowledge.labs[left.code] if left.code in self.knowledge.labs else self.knowledge.lab(left.code)
            threshold = (
                right.value if right.unit is None else self.knowledge.to_canonical(lab.code, right.value, right.unit)
            )
            test = _cmp(value, node.op, _exact(threshold, f"criterion {where}"))
            unknown = _is_null(value)
        return _case([(_not(self._picked(k)), _null()), (unknown, _null())], test)

    def _creatinine_clearance(self, node: ast.Compare, left: ast.CreatinineClearance, where: str) -> exp.Expr:
        """Cockcroft–Gault compared without division: CrCl op X ⇔ (140 − age) × weight ×
        88.4 [× 0.85] op X × 72 × creatinine (µmol/L), creatinine being positive."""
        right = node.right
        if not isinstance(right, ast.Quantity):
            raise CompileError(f"criterion {where}: creatinine clearance is compared with mL/min")
        kc = self._pick(ast.Latest("creatinine", left.window), where).name
        kw = self._pick(ast.Latest("body_weight", left.window), where).name
        birth, sex = _col("birth_date", self.screening), _col("sex", self.screening)
        age = _age(birth, _col("date", kc))
        numerator = exp.Mul(
            this=exp.Mul(
                this=_paren(exp.Sub(this=_num(140), expression=age)),
                expression=_col("value", kw),
            ),
            expression=_num(CREATININE_UMOL_PER_MG_DL),
        )
        female = exp.Mul(this=numerator.copy(), expression=_num(Decimal("0.85")))
        scaled = _case([(exp.EQ(this=sex.copy(), expression=_str("female")), female)], numerator)
        denominator = exp.Mul(this=_num(right.value * 72), expression=_col("value", kc))
        unknown = exp.or_(
            _not(self._picked(kc)),
            _not(self._picked(kw)),
            _is_null(birth),
            _is_null(sex),
            _is_null(_col("value", kc)),
            _is_null(_col("value", kw)),
            copy=False,
        )
        return _case([(unknown, _null())], _cmp(_paren(scaled), node.op, denominator))

    # -- item attributes ------------------------------------------------------------------
    def _column(self, path: tuple[str, ...], scope: _Scope | None, where: str) -> tuple[exp.Column, str]:
        if path[0] == "patient":
            if path[1] not in PATIENT_COLUMNS:
                raise CompileError(f"criterion {where}: unknown patient attribute {'.'.join(path)}")
            return _col(path[1], self.screening), PATIENT_COLUMNS[path[1]]
        if scope is None:
            raise CompileError(f"criterion {where}: {'.'.join(path)} is read outside a quantifier")
        columns = item_columns(scope.collection)
        name = ".".join(path)
        if name not in columns:
            raise CompileError(f"criterion {where}: {scope.collection} has no attribute {name} in the facts schema")
        return _col(column_name(path), scope.alias), columns[name]

    def _value_test(self, column: exp.Expr, sql_type: str, test: tuple[str, object], where: str) -> exp.Expr:
        """`test` applied to a non-null value, as `evaluate._field_compare` and friends."""
        kind, arg = test
        label = f"criterion {where}"
        if kind == "flag":
            return exp.EQ(this=column, expression=_bool(True)) if sql_type == "BOOLEAN" else _bool(False)
        if kind == "in":
            assert isinstance(arg, list)
            names: list[exp.Expr] = [_str(n) for n in arg]
            if sql_type.endswith("[]"):
                return _has_any(column, names)
            if sql_type == "VARCHAR":
                return exp.In(this=column, expressions=names)
            if sql_type == "BOOLEAN":
                truths = {n == "true" for n in arg if n in ("true", "false")}
                if not truths:
                    return _bool(False)
                return _bool(True) if len(truths) == 2 else exp.EQ(this=column, expression=_bool(truths.pop()))
            raise CompileError(f"{label}: membership of a {sql_type} value is not compiled")
        assert isinstance(arg, ast.Compare)
        right, op = arg.right, arg.op
        if isinstance(right, ast.Symbol):
            if sql_type.endswith("[]"):
                hit: exp.Expr = exp.ArrayContains(this=column, expression=_str(right.name))
            elif sql_type == "BOOLEAN":
                if right.name not in ("true", "false"):
                    hit = _bool(False)
                else:
                    hit = exp.EQ(this=column, expression=_bool(right.name == "true"))
            elif sql_type == "VARCHAR":
                hit = exp.EQ(this=column, expression=_str(right.name))
            else:
                raise CompileError(f"{label}: a {sql_type} value compared with the code {right.name!r}")
            if op == "=":
                return hit
            if op == "!=":
                return _not(hit)
            raise CompileError(f"{label}: a code is compared with = or != only")
        if isinstance(right, ast.Quantity) and (sql_type in ("BIGINT", "DOUBLE") or sql_type.startswith("DECIMAL")):
            return _cmp(column, op, _num(right.value))
        raise CompileError(f"{label}: cannot compare a {sql_type} value with {right}")

    def _field_test(self, field_: ast.Field, scope: _Scope | None, where: str, test: tuple[str, object]) -> exp.Expr:
        if field_.path[0] == "agent":
            return self._agent_test(field_, scope, where, test)
        column, sql_type = self._column(field_.path, scope, where)
        return _case([(_is_null(column), _null())], self._value_test(column.copy(), sql_type, test, where))

    def _agent_column(self, collection: str, aggregate: exp.Expr, stem: str) -> tuple[str, str]:
        """A per-item aggregate over the agents of a therapy line or medication: a column
        of the collection's one agent CTE (joined once per section aggregate)."""
        key = ("agents", collection)
        group = self._groups.get(self._memo[key]) if key in self._memo else None
        if group is None or group.name in self._emitted:
            name = f"{self.prefix}agents_{collection}{len(self._keys)}"
            group = _AgentGroup(name, collection, [])
            self._groups[name] = group
            self._keys[name] = _KEY_ITEM
            self._memo[key] = name
        assert isinstance(group, _AgentGroup)
        text = aggregate.sql()
        for column, expression in group.columns:
            if expression.sql() == text:
                return group.name, column
        column = f"{stem}_{len(group.columns)}"
        group.columns.append((column, aggregate))
        return group.name, column

    def _agent_test(self, field_: ast.Field, scope: _Scope | None, where: str, test: tuple[str, object]) -> exp.Expr:
        """Per agent (an unknown drug is unknown); the item matches if any agent does."""
        if scope is None or scope.collection not in ("therapy", "medication") or len(field_.path) != 2:
            raise CompileError(f"criterion {where}: {'.'.join(field_.path)} is read outside a therapy or medication")
        attribute = field_.path[1]
        if attribute not in _AGENT_TYPES:
            raise CompileError(f"criterion {where}: no agent attribute {attribute}")
        column = _col(attribute, "a")
        # `value is not None and test(value)`: a missing attribute of a known drug is false
        passed = exp.Coalesce(
            this=self._value_test(column, _AGENT_TYPES[attribute], test, where), expressions=[_bool(False)]
        )
        level = _case([(_not(_col("known", "a")), _num(1)), (passed, _num(2))], _num(0))
        cte, column_name = self._agent_column(scope.collection, exp.Max(this=level), "lvl")
        # no agents: false, as a subquery's MAX over no rows read
        return _decode_max(_col(column_name, cte))

    # -- dates ----------------------------------------------------------------------------
    def item_duration(
        self, node: ast.Duration, collection: str, alias: str, where: str
    ) -> tuple[exp.Expr, exp.Expr | None]:
        """A duration in days for the item `alias` of `collection` (half-lives read the
        item's agents): [low, high], high NULL or None when unbounded."""
        return self._duration(node, self._ref("first_dose"), _Scope(collection, alias), where)

    def _duration(
        self, node: ast.Duration, ref: exp.Expr, scope: _Scope | None, where: str
    ) -> tuple[exp.Expr, exp.Expr | None]:
        """The duration in days as [low, high]; high NULL (or None) when unbounded."""
        if isinstance(node, ast.Span):
            days = _span_days(ref, node)
            return days, days.copy()
        if isinstance(node, ast.ShorterOf):
            l1, h1 = self._duration(node.first, ref, scope, where)
            l2, h2 = self._duration(node.second, ref, scope, where)
            low = _case([(exp.LTE(this=l1.copy(), expression=l2.copy()), l1)], l2)
            if h1 is None or h2 is None:
                return low, h2 if h1 is None else h1
            high = _case(
                [
                    (_is_null(h1), h2.copy()),
                    (_is_null(h2), h1.copy()),
                    (exp.LTE(this=h1.copy(), expression=h2.copy()), h1.copy()),
                ],
                h2.copy(),
            )
            return low, high
        if scope is None or scope.collection not in ("therapy", "medication"):
            raise CompileError(f"criterion {where}: half-lives are counted only for a therapy or medication")
        hours = _col("half_life_hours", "a")
        missing = exp.Sum(this=_case([(_is_null(hours), _num(1))], _num(0)))
        longest = exp.Coalesce(this=exp.Max(this=hours.copy()), expressions=[exp.Literal.number("0.0")])
        days = exp.Ceil(
            this=exp.Div(
                this=exp.Mul(this=exp.cast(_num(node.factor), exp.DataType.build("DOUBLE")), expression=longest),
                expression=exp.cast(_num(24), exp.DataType.build("DOUBLE")),
            )
        )
        # an agent without a known half-life leaves the washout open (NULL high)
        per_item = _case([(exp.GT(this=missing, expression=_num(0)), _null())], days)
        cte, column_name = self._agent_column(scope.collection, per_item, "days")
        # an item without agents counts no half-lives
        item_days = _case([(_is_null(_col(PATIENT_KEY, cte)), _num(0))], _col(column_name, cte))
        return exp.Coalesce(this=item_days.copy(), expressions=[_num(0)]), item_days

    def _date_test(self, node: ast.DateTest, scope: _Scope | None, where: str) -> exp.Expr:
        column, sql_type = self._column(node.field.path, scope, where)
        if sql_type != "DATE":
            raise CompileError(f"criterion {where}: {'.'.join(node.field.path)} is not a date")
        fresh = node.field.path[-1] in FRESHNESS_FIELDS
        ref = self._ref(node.ref, fresh=fresh)
        low, high = self._duration(node.duration, ref, scope, where)
        elapsed = _elapsed(column.copy(), ref.copy())

        def above(limit: exp.Expr | None, plus: int) -> exp.Expr:
            if limit is None:
                return _bool(False)
            bound = exp.Add(this=limit.copy(), expression=_num(plus)) if plus else limit.copy()
            return exp.and_(_not(_is_null(limit.copy())), exp.GTE(this=elapsed.copy(), expression=bound), copy=False)

        if node.relation == "within":
            truth = _case(
                [
                    (exp.LT(this=elapsed.copy(), expression=_num(0)), _bool(False)),
                    (exp.LTE(this=elapsed.copy(), expression=low.copy()), _bool(True)),
                    (above(high, 1), _null() if fresh else _bool(False)),
                ],
                _null(),
            )
        else:
            strict = 1 if node.relation == "more_than" else 0
            lowest_ok = exp.Add(this=low.copy(), expression=_num(strict))
            truth = _case(
                [
                    (exp.LT(this=elapsed.copy(), expression=lowest_ok), _bool(False)),
                    (above(high, strict), _bool(True)),
                ],
                _null(),
            )
        return _case([(_is_null(column), _null())], truth)

    # -- quantifiers ----------------------------------------------------------------------
    def _any(self, node: ast.Quantifier, where: str) -> exp.Expr:
        """Per screening row: 2 if an item matches, 1 if one cannot be decided, else 0;
        no match is false only when the section is freshly reviewed or a documented
        absence covers every kind of item the condition could match.

        The levels are columns of one aggregate per section (`_Group`), so a section is
        scanned and grouped once however many quantifiers range over it."""
        if node.collection not in ast.COLLECTIONS:
            raise CompileError(f"criterion {where}: unknown collection {node.collection}")
        section = ast.COLLECTIONS[node.collection]
        alias = f"i_{section}"
        inner = _Scope(node.collection, alias)
        truth = self._expr(node.where, inner, where) if node.where is not None else _bool(True)
        dated = self._dated([truth])
        memo_key = ("any", node, self.screening if dated else None)
        if memo_key in self._memo:
            return self._decode_any(section, *self._memo[memo_key])
        group = self._group(section, alias, dated, references(truth))
        present: exp.Expr = exp.EQ(this=_col("present", alias), expression=_bool(True))
        identity = identity_filter(node.where)
        match: exp.Expr | None = None
        if identity is not None:
            column, _ = self._column((identity[0],), inner, where)
            match = exp.In(this=column, expressions=[_str(c) for c in sorted(identity[1])])
            present = exp.and_(present, match.copy(), copy=False)
        group.admit(identity)
        n = len(group.columns)
        level = f"lvl_{n}"
        group.columns.append((level, exp.Max(this=_case([(present, _level(truth))], _null()))))
        denials, subtypes = self._denial_flags(node, alias)
        names = [f"denied_{n}_{i}" for i in range(len(denials))]
        for name, (_, flag) in zip(names, denials, strict=True):
            # a documented absence counts only among the items the quantifier ranges over
            if match is not None:
                assert isinstance(flag, exp.Max)
                assert isinstance(flag.this, exp.Case)
                test = flag.this.args["ifs"][0]
                test.set("this", exp.and_(test.this, match.copy(), copy=False))
            group.columns.append((name, flag))
        found = (group.name, level, names, [key for key, _ in denials], subtypes)
        self._memo[memo_key] = found
        return self._decode_any(section, *found)

    def _decode_any(
        self,
        section: str,
        q: str,
        level: str,
        names: list[str],
        denials: list[tuple[str, str | None]],
        subtypes: frozenset[str] | None,
    ) -> exp.Expr:
        """A quantifier's truth from its group's columns; the section's freshness is read
        on this compiler's screening row (the first dose it is screened at)."""
        settled: list[tuple[exp.Expr, exp.Expr]] = [(self._section_fresh(section), _bool(False))]
        if denials:
            settled.append((self._denied(subtypes, names, denials, q), _bool(False)))
        return _switch(_col(level, q), [(_num(2), _bool(True)), (_num(1), _null())], _case(settled, _null()))

    def _group(self, section: str, alias: str, dated: bool, reads: set[str]) -> _Group:
        """The aggregate of `section` for this screening relation (if dated) that a new
        quantifier's columns can join; a new one when the quantifier reads the current one
        (a quantifier nested in one over the same section)."""
        keys = _KEY_SCREENING if dated else _KEY_PATIENT
        for name, group in self._groups.items():
            if (
                isinstance(group, _Group)
                and group.section == section
                and group.keys == keys
                and group.screening == self.screening
                and name not in self._emitted
                and name not in reads
            ):
                return group
        name = f"{self.prefix}{section}{len(self._keys)}"
        group = _Group(name, section, alias, keys, self.screening, [])
        self._groups[name] = group
        self._keys[name] = keys
        return group

    def _denial_flags(
        self, node: ast.Quantifier, alias: str
    ) -> tuple[list[tuple[tuple[str, str | None], exp.Expr]], frozenset[str] | None]:
        """One 0/1 column per (kind, subtype) whose documented absence the quantifier may
        need (evaluate._denied), and the subtypes a condition quantifier can match."""
        field_ = IDENTITY_FIELD.get(node.collection)
        if field_ is None or node.where is None:
            return [], None
        kinds = possible_kinds(node.where, field_)
        if not kinds:
            return [], None
        subtypes = possible_kinds(node.where, "subtype") if node.collection == "condition" else None
        wanted: list[tuple[str, str | None]] = []
        for kind in sorted(kinds):
            wanted.append((kind, None))
            wanted += [(kind, s) for s in sorted(subtypes or ())]
        flags: list[tuple[tuple[str, str | None], exp.Expr]] = []
        for kind, subtype in wanted:
            test: list[exp.Expr] = [
                exp.EQ(this=_col("present", alias), expression=_bool(False)),
                exp.EQ(this=_col(field_, alias), expression=_str(kind)),
            ]
            if node.collection == "condition":
                sub = _col("subtype", alias)
                test.append(_is_null(sub) if subtype is None else exp.EQ(this=sub, expression=_str(subtype)))
            flags.append(((kind, subtype), exp.Max(this=_case([(exp.and_(*test, copy=False), _num(1))], _num(0)))))
        return flags, (frozenset(subtypes) if subtypes is not None else None)

    def _denied(
        self,
        subtypes: frozenset[str] | None,
        names: list[str],
        flags: list[tuple[str, str | None]],
        q: str,
    ) -> exp.Expr:
        """For each kind the condition can match, a whole denial of that kind or, for
        conditions, denials of every subtype it can match."""
        column = {key: _col(name, q) for name, key in zip(names, flags, strict=True)}

        def has(key: tuple[str, str | None]) -> exp.Expr:
            return exp.EQ(this=exp.Coalesce(this=column[key], expressions=[_num(0)]), expression=_num(1))

        kinds = sorted({k for k, _ in column})
        per_kind = []
        for kind in kinds:
            subs = [has(key) for key in column if key[0] == kind and key[1] is not None]
            if subtypes is None:
                per_kind.append(has((kind, None)))
            else:
                per_kind.append(
                    _paren(exp.or_(has((kind, None)), exp.and_(*subs) if subs else _bool(True), copy=False))
                )
        return _paren(exp.and_(*per_kind, copy=False))


PASS, UNKNOWN, FAIL = 0, 1, 2


def verdict_code(kind: str, truth: exp.Expr) -> exp.Expr:
    """The patient's-side verdict of a criterion from its rule's truth (screen._verdict),
    as a code: `PASS`, `UNKNOWN` or `FAIL`, the worst the largest."""
    holds = _num(PASS if kind == "inclusion" else FAIL)
    fails = _num(FAIL if kind == "inclusion" else PASS)
    return _switch(truth, [(_bool(True), holds), (_bool(False), fails)], _num(UNKNOWN))
