"""The facts store on disk: a directory of Parquet files, one per table, opened into the
canonical facts schema (`trialdesk.population.facts`) in DuckDB.

A file holds what the records say, not what the knowledge base makes of it: observations
keep their value, unit and reference range as recorded (mixed units are legal), and the
attributes the knowledge base derives (a histology's family, a vaccine's liveness, a
lesion's RECIST measurability, a condition's activity, a procedure's date, each agent's
drug attributes) are not stored. `open_facts` derives them in SQL, converts every
observation to its lab's canonical unit through a conversion table built from
`labs.yaml`, and refuses what a record would refuse (an unknown code or unit, an
impossible value, a date after the patient's as-of date) with the file, the row and the
column. Vocabulary look-ups run once per distinct value, never per row.

A missing file is an empty table (a warehouse without vaccinations is legal); a file with
a missing or extra column is refused. Rows are numbered from 1, in file order.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> con = open_facts(Path("facts"), load_knowledge())      # doctest: +SKIP
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import annotated_types
import duckdb
import pyarrow as pa  # no type information shipped

from trialdesk.criteria.ast import COLLECTIONS
from trialdesk.criteria.fields import DERIVED, ITEM_MODELS, PATIENT_ATTRIBUTES
from trialdesk.errors import UnknownCodeError
from trialdesk.knowledge.base import Knowledge
from trialdesk.knowledge.entries import Lab
from trialdesk.patient.record import Attestation, Fact
from trialdesk.population.facts import DECIMAL, PATIENT_KEY, FactsError, column_name, create_schema, table_columns

OBSERVATION_DISK_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "idx": "BIGINT",
    "code": "VARCHAR",  # trialdesk lab code or LOINC code
    "date": "DATE",
    "value": DECIMAL,  # as recorded, in `unit`
    "unit": "VARCHAR",
    "result": "VARCHAR",
    "method": "VARCHAR",
    "reference_low": DECIMAL,  # the lab's own reference range, in `reference_unit`
    "reference_high": DECIMAL,
    "reference_unit": "VARCHAR",  # NULL: the value's unit
}
_SECTIONS = sorted(set(COLLECTIONS.values()))
_ITEM_TABLES = {section: collection for collection, section in COLLECTIONS.items()}
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_ROW = "file_row_number"


def derived_columns(table: str) -> tuple[str, ...]:
    """The columns of a canonical table that `open_facts` derives rather than reads."""
    collection = _ITEM_TABLES.get(table)
    if collection is None:
        return ()
    return tuple(column_name(d) for d in DERIVED.get(collection, ()) if not d.startswith("agent."))


def disk_columns() -> dict[str, dict[str, str]]:
    """Every table of the on-disk store: file stem → column → SQL type.

    The canonical tables without their derived columns, observations as recorded, and no
    `agents` (derived from `therapies.agents` and `medications.agent`)."""
    tables: dict[str, dict[str, str]] = {}
    for table, columns in table_columns().items():
        if table == "agents":
            continue
        if table == "observations":
            tables[table] = dict(OBSERVATION_DISK_COLUMNS)
            continue
        derived = derived_columns(table)
        tables[table] = {c: t for c, t in columns.items() if c not in derived and c != PATIENT_KEY}
    return tables


# -- SQL text helpers ---------------------------------------------------------------------
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in sorted(values)) + ")"


def _scan(path: Path, filled: dict[str, str] | None = None) -> str:
    scan = f"read_parquet({_lit(path.as_posix())}, file_row_number = true)"
    if not filled:
        return scan
    nulls = ", ".join(f"CAST(NULL AS {sql_type}) AS {_q(name)}" for name, sql_type in filled.items())
    return f"(SELECT *, {nulls} FROM {scan})"


# Columns added to the schema after facts were written without them. A file may lack
# one: it reads as NULL, as a record without the (optional, empty by default) field would,
# so older facts still open. Any other missing column is refused: it is more likely a
# mistake in the export than a field the source never had.
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "therapies": ("progression_evidence", "radiological_progression"),
}


def _fillable(table: str, column: str) -> bool:
    collection = _ITEM_TABLES.get(table)
    field = ITEM_MODELS[collection].model_fields.get(column) if collection else None
    return (
        column in ADDED_COLUMNS.get(table, ())
        and field is not None
        and not field.is_required()
        and field.default is None
    )


# -- what a record model permits, read from its annotations --------------------------------
def _optional(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _literal_values(annotation: Any) -> tuple[tuple[str, ...], bool] | None:
    """The permitted values of a Literal field (and whether it is a tuple of them)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    inner = args[0]
    if typing.get_origin(inner) is tuple:
        element = typing.get_args(inner)[0]
        if typing.get_origin(element) is typing.Literal:
            return tuple(str(v) for v in typing.get_args(element)), True
    if typing.get_origin(inner) is typing.Literal and not all(isinstance(a, bool) for a in typing.get_args(inner)):
        return tuple(str(v) for v in typing.get_args(inner)), False
    return None


@dataclass(frozen=True, slots=True)
class _Check:
    """A condition that is true on a bad row, the column it names, and what to say."""

    column: str
    violated: str
    problem: str  # formatted with {value}
    fix: str


def _bound_checks(name: str, col: str, bound: Any) -> list[_Check]:
    if isinstance(bound, annotated_types.MinLen):
        return [_Check(name, f"len({col}) < {bound.min_length}", "is an empty list", "list at least one")]
    for kind, op, words in (("ge", "<", "at least"), ("gt", "<=", "above"), ("le", ">", "at most")):
        limit = getattr(bound, kind, None)
        if limit is not None:
            return [_Check(name, f"{col} {op} {limit}", "{value} is impossible", f"the value must be {words} {limit}")]
    return []


def _model_checks(model: type[Fact], columns: dict[str, str]) -> list[_Check]:
    checks: list[_Check] = []
    for name, field in model.model_fields.items():
        if name not in columns:
            continue
        col = f"r.{_q(name)}"
        if field.is_required():
            checks.append(_Check(name, f"{col} IS NULL", "is empty", "give the value: the record requires it"))
        permitted = _literal_values(field.annotation)
        if permitted is not None:
            values, is_tuple = permitted
            bad = (
                f"NOT list_has_all([{', '.join(map(_lit, values))}], {col})"
                if is_tuple
                else f"{col} NOT IN {_in_list(values)}"
            )
            checks.append(_Check(name, bad, "{value} is not permitted", f"use one of: {', '.join(values)}"))
        for bound in field.metadata:
            checks += _bound_checks(name, col, bound)
    return checks


def _future_checks(columns: dict[str, str], planned: bool) -> list[_Check]:
    # Nothing dated after the as-of date can have been observed yet; a planned item is the
    # exception, as in trialdesk.patient.view.
    exempt = "NOT coalesce(r.planned, false) AND " if planned else ""
    return [
        _Check(
            name,
            f"{exempt}r.{_q(name)} > p.as_of",
            "date {value} is after the patient's as-of date",
            "correct the date, mark the item planned, or screen as of a later date",
        )
        for name, sql_type in columns.items()
        if sql_type == "DATE" and name not in ("as_of", "first_dose")
    ]


def _orphan_check() -> _Check:
    return _Check(
        "patient_id",
        "p.patient_id IS NULL",
        "patient {value} is not in patients.parquet",
        "add the patient to patients.parquet or remove the row",
    )


# -- knowledge tables, one row per distinct value found -------------------------------------
def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _factor_scale(factors: Iterable[Decimal]) -> int:
    exponents = [-int(f.normalize().as_tuple().exponent) for f in factors]
    return max([0, *exponents])


def _lab_tables(con: duckdb.DuckDBPyConnection, scan: str, knowledge: Knowledge) -> None:
    """`_td_labs` (written code → lab) and `_td_units` (written code, unit → factor)."""
    codes = [c for (c,) in _distinct(con, f"SELECT DISTINCT code FROM {scan} WHERE code IS NOT NULL")]
    found = {c: _find_lab(knowledge, c) for c in codes}
    labs = pa.table(
        {
            "written": pa.array(codes, pa.string()),
            "lab": pa.array([lab.code if lab else None for lab in found.values()], pa.string()),
            "kind": pa.array([lab.kind if lab else None for lab in found.values()], pa.string()),
            "low": pa.array(
                [lab.plausible[0] if lab and lab.plausible else None for lab in found.values()], pa.decimal128(38, 12)
            ),
            "high": pa.array(
                [lab.plausible[1] if lab and lab.plausible else None for lab in found.values()], pa.decimal128(38, 12)
            ),
            "results": pa.array([list(lab.results) if lab else None for lab in found.values()], pa.list_(pa.string())),
        }
    )
    _register(con, "_td_labs", labs)
    pairs = _distinct(
        con,
        f"SELECT DISTINCT code, unit FROM {scan} WHERE code IS NOT NULL AND unit IS NOT NULL "
        f"UNION SELECT DISTINCT code, reference_unit FROM {scan} WHERE code IS NOT NULL AND reference_unit IS NOT NULL",
    )
    factors = []
    for code, unit in pairs:
        lab = found.get(code)
        factors.append(knowledge.unit_factor(lab.code, unit) if lab else None)
    scale = _factor_scale(f for f in factors if f is not None)
    units = pa.table(
        {
            "written": pa.array([c for c, _ in pairs], pa.string()),
            "unit": pa.array([u for _, u in pairs], pa.string()),
            "factor": pa.array(factors, pa.decimal128(38, scale)),
        }
    )
    _register(con, "_td_units", units)


def _find_lab(knowledge: Knowledge, code: str) -> Lab | None:
    try:
        return knowledge.lab(code)
    except UnknownCodeError:
        return None


def _drug_table(con: duckdb.DuckDBPyConnection, names: list[str], knowledge: Knowledge) -> None:
    drugs = [knowledge.find_drug(n) for n in names]

    def listed(values: Iterable[frozenset[str] | None]) -> pa.Array:
        return pa.array([sorted(v) if v is not None else None for v in values], pa.list_(pa.string()))

    table = pa.table(
        {
            "name": pa.array(names, pa.string()),
            "known": pa.array([d is not None for d in drugs], pa.bool_()),
            "drug_classes": listed(d.classes if d else None for d in drugs),
            "class": listed(d.classes | ({"adc"} if d.adc else set()) if d else None for d in drugs),
            "target": listed(d.targets if d else None for d in drugs),
            "is_adc": pa.array([d.adc if d else None for d in drugs], pa.bool_()),
            "payload": pa.array([d.payload_class if d else None for d in drugs], pa.string()),
            "contains": listed(d.contains if d else None for d in drugs),
            "cyp3a4": pa.array([d.cyp3a4 if d else None for d in drugs], pa.string()),
            "half_life_hours": pa.array([d.half_life_hours if d else None for d in drugs], pa.float64()),
        }
    )
    _register(con, "_td_drugs", table)


def _vaccine_table(con: duckdb.DuckDBPyConnection, names: list[str], knowledge: Knowledge) -> None:
    found = [knowledge.find_vaccine(n) for n in names]
    table = pa.table(
        {
            "name": pa.array(names, pa.string()),
            "live": pa.array([v.live if v else None for v in found], pa.bool_()),
        }
    )
    _register(con, "_td_vaccines", table)


# -- the checks of each table ------------------------------------------------------------
def _code_check(column: str, codes: Iterable[str], vocabulary: str) -> _Check:
    return _Check(
        column,
        f"r.{_q(column)} NOT IN {_in_list(codes)}",
        f"unknown {vocabulary} code {{value}}",
        f"use a {vocabulary} code listed by `trialdesk knowledge {vocabulary}`",
    )


def _item_checks(table: str, columns: dict[str, str], knowledge: Knowledge) -> list[_Check]:
    collection = _ITEM_TABLES[table]
    checks = [_orphan_check(), *_model_checks(ITEM_MODELS[collection], columns)]
    checks.append(
        _Check(
            "item_index", "r.item_index IS NULL OR r.item_index < 0", "{value} is not an index", "number items from 0"
        )
    )
    checks += _future_checks(columns, planned="planned" in columns)
    sites = knowledge.sites
    if table == "diagnoses":
        checks += [
            _code_check("histology", knowledge.histologies, "histology"),
            _code_check("primary_site", sites, "sites"),
        ]
    elif table in ("metastases", "procedures", "lesions"):
        checks.append(_code_check("site", sites, "sites"))
    elif table == "history":
        checks.append(_code_check("category", knowledge.conditions, "conditions"))
    elif table == "therapies":
        checks.append(
            _Check(
                "last_dose",
                "r.last_dose < r.first_dose",
                "last dose {value} is before the first dose",
                "correct the dates",
            )
        )
    elif table == "adverse_events":
        checks.append(
            _Check("grade", "r.grade IS NULL AND r.lab IS NULL", "has neither grade nor lab", "give the CTCAE grade")
        )
    return checks


def _observation_checks() -> list[_Check]:
    return [
        _orphan_check(),
        _Check("code", "r.code IS NULL", "is empty", "give the lab code (labs.yaml) or its LOINC code"),
        _Check(
            "code", "l.lab IS NULL", "unknown lab code {value}", "use a code from labs.yaml or a LOINC code it lists"
        ),
        _Check("date", "r.date IS NULL", "is empty", "give the date of the observation"),
        _Check(
            "value",
            "r.value IS NULL AND r.result IS NULL",
            "has neither value nor result",
            "give a value with its unit, or a result",
        ),
        _Check(
            "value",
            "r.value IS NOT NULL AND l.kind = 'qualitative'",
            "{value} given for a qualitative lab",
            "give result instead",
        ),
        _Check(
            "unit", "r.value IS NOT NULL AND r.unit IS NULL", "is empty but a value is given", "give the value's unit"
        ),
        _Check(
            "unit",
            "r.value IS NOT NULL AND u.factor IS NULL",
            "unit {value} does not convert for this lab",
            "give the value in a unit labs.yaml lists",
        ),
        _Check(
            "reference_unit",
            "r.value IS NOT NULL AND (r.reference_low IS NOT NULL OR r.reference_high IS NOT NULL) AND ru.factor IS NULL",
            "unit {value} does not convert for this lab",
            "give the reference range in a unit labs.yaml lists",
        ),
        _Check(
            "result",
            "r.result IS NOT NULL AND len(l.results) > 0 AND NOT list_contains(l.results, r.result)",
            "{value} is not a result of this lab",
            "use one of the lab's results in labs.yaml",
        ),
        _Check(
            "value",
            "CAST(r.value AS DECIMAL(38,12)) * u.factor NOT BETWEEN l.low AND l.high",
            "{value} is impossible for this lab",
            "check the value and its unit (plausible range in labs.yaml)",
        ),
        _Check(
            "value",
            "CAST(r.value AS DECIMAL(38,12)) * u.factor <> CAST(CAST(r.value AS DECIMAL(38,12)) * u.factor AS DECIMAL(38,12))",
            "{value} has more than 12 decimal places in the canonical unit",
            "round the value",
        ),
        *_future_checks({"date": "DATE"}, planned=False),
    ]


def _patient_checks() -> list[_Check]:
    return [
        _Check("patient_id", "r.patient_id IS NULL", "is empty", "give every patient an id"),
        _Check(
            "patient_id",
            "count(*) OVER (PARTITION BY r.patient_id) > 1",
            "{value} appears twice",
            "give each patient its own id",
        ),
        _Check("as_of", "r.as_of IS NULL", "is empty", "give the date the patient is screened at"),
        _Check(
            "first_dose", "r.first_dose IS NULL", "is empty", "give the planned first dose (the as-of date if none)"
        ),
        _Check(
            "first_dose",
            "r.first_dose < r.as_of",
            "{value} is before the as-of date",
            "plan the first dose on or after as_of",
        ),
        _Check("birth_date", "r.birth_date > r.as_of", "{value} is after the as-of date", "correct the birth date"),
        _Check(
            "sex",
            "r.sex NOT IN ('female', 'male', 'other', 'unknown')",
            "{value} is not permitted",
            "use female, male, other or unknown",
        ),
    ]


def _attestation_checks(knowledge: Knowledge, columns: dict[str, str]) -> list[_Check]:
    return [
        _orphan_check(),
        _code_check("topic", knowledge.attestations, "attestations"),
        *_model_checks(Attestation, columns),
        *_future_checks(columns, planned=False),
    ]


def _review_checks() -> list[_Check]:
    return [
        _orphan_check(),
        _Check(
            "section",
            f"r.section NOT IN {_in_list(_SECTIONS)} OR r.section IS NULL",
            "unknown section {value}",
            f"use one of: {', '.join(_SECTIONS)}",
        ),
        _Check(
            "reviewed_on",
            "r.complete AND r.reviewed_on IS NULL",
            "is empty for a complete section",
            "give the date of the review",
        ),
        *_future_checks({"reviewed_on": "DATE"}, planned=False),
    ]


# -- reading one file -----------------------------------------------------------------------
def _accepts(expected: str, found: str) -> bool:
    if expected == DECIMAL:
        return found in _INTEGER_TYPES or found.startswith("DECIMAL") or found in ("DOUBLE", "FLOAT")
    if expected == "BIGINT":
        return found in _INTEGER_TYPES
    return found == expected


def _check_columns(con: duckdb.DuckDBPyConnection, path: Path, expected: dict[str, str]) -> dict[str, str]:
    """Check the file's columns; return the optional ones it lacks (read as NULL)."""
    found = {
        row[0]: row[1]
        for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path.as_posix())})").fetchall()
    }
    filled = {c: t for c, t in expected.items() if c not in found and _fillable(path.stem, c)}
    missing = [c for c in expected if c not in found and c not in filled]
    extra = [c for c in found if c not in expected]
    if missing or extra:
        parts = [
            f"missing column(s) {', '.join(missing)}" if missing else "",
            f"unexpected column(s) {', '.join(extra)}" if extra else "",
        ]
        raise FactsError(
            f"{path.name}: {'; '.join(p for p in parts if p)}",
            fix=f"write exactly the columns {', '.join(expected)} (see trialdesk.population.store.disk_columns)",
        )
    for name, sql_type in expected.items():
        if name not in filled and not _accepts(sql_type, found[name]):
            ((row,),) = con.execute(f"SELECT min({_ROW}) FROM {_scan(path)} WHERE {_q(name)} IS NOT NULL").fetchall()
            where = f"row {row + 1}, " if row is not None else ""
            raise FactsError(
                f"{path.name}: {where}column {name}: type {found[name]}, expected {sql_type}",
                fix=f"write column {name} as {sql_type}",
            )
    return filled


def _first_violation(con: duckdb.DuckDBPyConnection, path: Path, source: str, checks: list[_Check]) -> None:
    if not checks:
        return
    conditions = [f"coalesce({c.violated}, false)" for c in checks]
    which = " ".join(f"WHEN {cond} THEN {i}" for i, cond in enumerate(conditions))
    shown = " ".join(
        f"WHEN {cond} THEN CAST(r.{_q(c.column)} AS VARCHAR)" for cond, c in zip(conditions, checks, strict=True)
    )
    query = (
        f"SELECT * FROM (SELECT r.{_ROW} AS row_number, CASE {which} END AS failed, CASE {shown} END AS shown "
        f"FROM {source}) WHERE failed IS NOT NULL ORDER BY row_number LIMIT 1"
    )
    hits = con.execute(query).fetchall()  # read to the end: DuckDB 2 keeps an unread result open
    if not hits:
        return
    row, failed, shown_value = hits[0]
    check = checks[failed]
    problem = check.problem.format(value=repr(shown_value) if shown_value is not None else "NULL")
    raise FactsError(f"{path.name}: row {row + 1}, column {check.column}: {problem}", fix=check.fix)


# -- loading -------------------------------------------------------------------------------
def _select_list(columns: Iterable[str]) -> str:
    return ", ".join(f"r.{_q(c)}" for c in columns)


def _defaults(table: str, columns: dict[str, str]) -> dict[str, str]:
    """Columns read with their record default when empty (`present` is true unless denied)."""
    collection = _ITEM_TABLES.get(table)
    out = {"present": "coalesce(r.present, true)"} if collection else {}
    if collection is None:
        return out
    for name, field in ITEM_MODELS[collection].model_fields.items():
        if (
            name in columns
            and not field.is_required()
            and not _optional(field.annotation)
            and isinstance(field.default, bool)
        ):
            out[name] = f"coalesce(r.{_q(name)}, {str(field.default).lower()})"
    if table == "medications":
        # a stop date says the medication is not ongoing (trialdesk.patient.record.Medication)
        out["ongoing"] = "CASE WHEN r.ongoing IS NULL AND r.stop IS NOT NULL THEN false ELSE r.ongoing END"
    return out


_DERIVED_SQL = {
    "histology__family": "h.family",
    "histology__differentiation": "h.differentiation",
    "histology__grade": "h.grade",
    "vaccine__live": "coalesce(v.live, r.live)",
    # RECIST 1.1 §3.1.1 (Eisenhauer 2009), as trialdesk.criteria.fields._measurable
    "measurable": (
        "CASE WHEN coalesce(r.lymph_node, false) THEN r.short_axis_mm >= 15 "
        "ELSE r.longest_diameter_mm >= CASE WHEN r.method = 'x_ray' THEN 20 ELSE 10 END END"
    ),
    "date": "coalesce(r.ended_on, r.performed_on)",
}
_ACTIVE_SQL = {
    "history": "CASE WHEN r.status IS NOT NULL THEN r.status = 'active' WHEN r.resolved_on IS NOT NULL THEN false END",
    "adverse_events": "CASE WHEN r.resolved IS NOT NULL THEN NOT r.resolved WHEN r.resolved_on IS NOT NULL THEN false END",
}
_JOINS = {
    "diagnoses": "LEFT JOIN _td_histology h ON h.code = r.histology",
    "vaccinations": "LEFT JOIN _td_vaccines v ON v.name = r.vaccine",
}


def _insert_items(con: duckdb.DuckDBPyConnection, table: str, source: str, columns: dict[str, str]) -> None:
    defaults = _defaults(table, columns)
    select = [f"{defaults.get(c, f'r.{_q(c)}')} AS {_q(c)}" for c in columns]
    select.append(f"p.{PATIENT_KEY}")
    for derived in derived_columns(table):
        expression = _ACTIVE_SQL[table] if derived == "active" else _DERIVED_SQL[derived]
        select.append(f"{expression} AS {_q(derived)}")
    join = _JOINS.get(table, "")
    con.execute(f"INSERT INTO {_q(table)} BY NAME SELECT {', '.join(select)} FROM {source} {join}")


def _insert_observations(con: duckdb.DuckDBPyConnection, source: str) -> None:
    # stored by lab: each `latest()` of the compiled SQL reads one code, and DuckDB's
    # per-row-group min/max then skips every row group of the other labs; within a lab by
    # the key, which is the id order sorted as integers (a fifth of the insert's time)
    def canonical(value: str, factor: str) -> str:
        return f"CAST(CAST({value} AS DECIMAL(38,12)) * {factor} AS {DECIMAL})"

    con.execute(
        f"""INSERT INTO observations BY NAME SELECT r.patient_id, p.{PATIENT_KEY}, r.idx, l.lab AS code, r.date,
        {canonical("r.value", "u.factor")} AS value, r.result, r.method,
        CASE WHEN r.value IS NOT NULL THEN {canonical("r.reference_high", "ru.factor")} END AS uln,
        CASE WHEN r.value IS NOT NULL THEN {canonical("r.reference_low", "ru.factor")} END AS lln
        FROM {source}
        ORDER BY code, p.{PATIENT_KEY}, r.idx"""
    )


def _insert_agents(con: duckdb.DuckDBPyConnection, knowledge: Knowledge) -> None:
    names = [
        n
        for (n,) in _distinct(
            con, "SELECT DISTINCT unnest(agents) FROM therapies UNION SELECT DISTINCT agent FROM medications"
        )
        if n is not None
    ]
    _drug_table(con, names, knowledge)
    attributes = (
        "d.known, d.drug_classes, d.class, d.target, d.is_adc, d.payload, d.contains, d.cyp3a4, d.half_life_hours"
    )
    con.execute(
        f"""INSERT INTO agents BY NAME
        SELECT a.patient_id, a.{PATIENT_KEY}, 'therapy' AS collection, a.item_index, a.agent_index, a.name, {attributes}
        FROM (SELECT patient_id, {PATIENT_KEY}, item_index, unnest(agents) AS name,
                     unnest(range(len(agents))) AS agent_index
              FROM therapies) a JOIN _td_drugs d ON d.name = a.name
        UNION ALL
        SELECT m.patient_id, m.{PATIENT_KEY}, 'medication', m.item_index, 0, m.agent, {attributes}
        FROM medications m JOIN _td_drugs d ON d.name = m.agent"""
    )


def _histology_table(con: duckdb.DuckDBPyConnection, knowledge: Knowledge) -> None:
    entries = list(knowledge.histologies.values())
    table = pa.table(
        {
            "code": pa.array([h.code for h in entries], pa.string()),
            "family": pa.array([h.family for h in entries], pa.string()),
            "differentiation": pa.array([h.differentiation for h in entries], pa.string()),
            "grade": pa.array([h.grade for h in entries], pa.string()),
        }
    )
    _register(con, "_td_histology", table)


def _open_table(
    con: duckdb.DuckDBPyConnection, directory: Path, table: str, columns: dict[str, str], knowledge: Knowledge
) -> None:
    path = directory / f"{table}.parquet"
    if not path.exists():
        return
    scan = _scan(path, _check_columns(con, path, columns))
    patients = "LEFT JOIN patients p ON p.patient_id = r.patient_id"
    if table == "patients":
        _first_violation(con, path, f"{scan} r", _patient_checks())
        select = [
            "r.patient_id",
            # the surrogate key (trialdesk.population.facts.PATIENT_KEY), dense in id order
            f"row_number() OVER (ORDER BY r.patient_id) AS {PATIENT_KEY}",
            "r.as_of",
            "r.first_dose",
            "r.birth_date",
            "CASE WHEN r.sex IN ('female', 'male') THEN r.sex END AS sex",
            *(f"r.{_q(a)}" for a in PATIENT_ATTRIBUTES if a != "sex"),
        ]
        con.execute(f"INSERT INTO patients BY NAME SELECT {', '.join(select)} FROM {scan} r")
    elif table == "observations":
        _lab_tables(con, scan, knowledge)
        source = (
            f"{scan} r {patients} LEFT JOIN _td_labs l ON l.written = r.code "
            "LEFT JOIN _td_units u ON u.written = r.code AND u.unit = r.unit "
            "LEFT JOIN _td_units ru ON ru.written = r.code AND ru.unit = coalesce(r.reference_unit, r.unit)"
        )
        _first_violation(con, path, source, _observation_checks())
        _insert_observations(con, source)
    elif table == "attestations":
        _first_violation(con, path, f"{scan} r {patients}", _attestation_checks(knowledge, columns))
        con.execute(
            f"INSERT INTO attestations BY NAME SELECT {_select_list(columns)}, p.{PATIENT_KEY} FROM {scan} r {patients}"
        )
    elif table == "section_reviews":
        _first_violation(con, path, f"{scan} r {patients}", _review_checks())
        con.execute(
            f"INSERT INTO section_reviews BY NAME SELECT r.patient_id, p.{PATIENT_KEY}, r.section, "
            f"coalesce(r.complete, false) AS complete, r.reviewed_on FROM {scan} r {patients}"
        )
    else:
        _first_violation(con, path, f"{scan} r {patients}", _item_checks(table, columns, knowledge))
        if table == "vaccinations":
            names = [n for (n,) in _distinct(con, f"SELECT DISTINCT vaccine FROM {scan} WHERE vaccine IS NOT NULL")]
            _vaccine_table(con, names, knowledge)
        _insert_items(con, table, f"{scan} r {patients}", columns)


def open_facts(
    directory: Path,
    knowledge: Knowledge,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Load a facts directory into the canonical schema of a (new, in-memory unless given)
    DuckDB database, ready for the compiled SQL of `trialdesk.population.prescreen`.

    1. Every `<table>.parquet` must be a table of `disk_columns()` with exactly its columns
       (one of `ADDED_COLUMNS` it lacks reads as empty).
    2. `patients` first: ids unique, as-of and first-dose dates present and in order.
    3. Every other table: each row's patient exists, its codes are known to the knowledge
       base, its values are permitted by the record model, no date is after the patient's
       as-of date (planned items excepted).
    4. Observations are converted to the lab's canonical unit (value and reference range).
    5. The derived attributes and the `agents` table are computed from the knowledge base.

    The first bad row raises a `FactsError` naming the file, the row and the column.
    `progress`, when given, is told each table's name as it is opened (then `agents`)."""
    if not directory.is_dir():
        raise FactsError(f"{directory}: not a directory", fix="give the directory holding the facts' Parquet files")
    expected = disk_columns()
    unknown = sorted(p.name for p in directory.glob("*.parquet") if p.stem not in expected)
    if unknown:
        raise FactsError(
            f"{directory}: unknown table file(s) {', '.join(unknown)}",
            fix=f"name each file after its table: {', '.join(f'{t}.parquet' for t in expected)}",
        )
    con = con if con is not None else duckdb.connect()
    create_schema(con)
    _histology_table(con, knowledge)
    _vaccine_table(con, [], knowledge)
    for table in ["patients", *(t for t in expected if t != "patients")]:
        if progress is not None:
            progress(table)
        _open_table(con, directory, table, expected[table], knowledge)
    if progress is not None:
        progress("agents")
    _insert_agents(con, knowledge)
    for name in ("_td_labs", "_td_units", "_td_drugs", "_td_vaccines", "_td_histology"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return con


# -- writing -------------------------------------------------------------------------------
def write_facts(con: duckdb.DuckDBPyConnection, directory: Path, knowledge: Knowledge) -> list[Path]:
    """Write the canonical tables of `con` as a facts directory `open_facts` reads back to
    the same tables: derived columns dropped, observations in their canonical unit."""
    directory.mkdir(parents=True, exist_ok=True)
    units = [(lab.code, lab.canonical_unit) for lab in knowledge.labs.values() if lab.canonical_unit]
    _register(
        con,
        "_td_canonical",
        pa.table(
            {"code": pa.array([c for c, _ in units], pa.string()), "unit": pa.array([u for _, u in units], pa.string())}
        ),
    )
    written = []
    for table, columns in disk_columns().items():
        path = directory / f"{table}.parquet"
        if table == "observations":
            query = (
                "SELECT o.patient_id, o.idx, o.code, o.date, o.value, CASE WHEN o.value IS NOT NULL THEN c.unit END AS unit, "
                "o.result, o.method, o.lln AS reference_low, o.uln AS reference_high, CAST(NULL AS VARCHAR) AS reference_unit "
                "FROM observations o LEFT JOIN _td_canonical c ON c.code = o.code"
            )
        else:
            query = f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(table)}"
        con.execute(f"COPY ({query}) TO {_lit(path.as_posix())} (FORMAT parquet)")
        written.append(path)
    con.execute("DROP TABLE _td_canonical")
    return written
