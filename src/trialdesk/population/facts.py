"""The patient-facts schema: one table per record section, keyed by patient, for compiled SQL.

Every value a rule can read is stored already resolved the way `trialdesk.criteria.fields`
resolves it (histology family, a vaccine's liveness, a lesion's RECIST measurability, a
condition's activity, a drug's classes), so the SQL compiler only reads columns and the
two walkers share one definition of every derived attribute. NULL stands for "the record
does not say".

Tables: `patients` (one row per patient, with the screening's as-of and first-dose dates),
`section_reviews`, one table per quantifiable section (`diagnoses`, `metastases`,
`therapies`, `medications`, `procedures`, `history`, `adverse_events`, `vaccinations`,
`lesions`, `specimens`), `agents` (one row per therapy line × agent or medication, with
the drug's knowledge attributes; an unknown drug has `known = false` and NULLs),
`observations` (values and reference ranges in the lab's canonical unit) and
`attestations`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # no type information shipped
from pydantic import BaseModel

from trialdesk.criteria.ast import COLLECTIONS
from trialdesk.criteria.fields import DERIVED, ITEM_MODELS, PATIENT_ATTRIBUTES, Item, resolve
from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.view import PatientView

# Canonical lab values, thresholds and reference limits are exact decimals; 12 places hold
# every unit conversion in labs.yaml, and the loader refuses a value that would be rounded.
DECIMAL = "DECIMAL(38,12)"
_SCALE = Decimal("1e-12")

_DERIVED_TYPES = {
    "histology.family": "VARCHAR",
    "histology.differentiation": "VARCHAR",
    "histology.grade": "VARCHAR",
    "vaccine.live": "BOOLEAN",
    "measurable": "BOOLEAN",
    "active": "BOOLEAN",
    "date": "DATE",
}


class FactsError(TrialdeskError):
    """A record cannot be stored in the facts schema without changing a value."""


@dataclass(frozen=True, slots=True)
class Screening:
    """One patient record to load, with the dates it is screened at."""

    view: PatientView
    as_of: date
    first_dose: date


def column_name(path: tuple[str, ...] | str) -> str:
    """The column holding an item attribute: `histology.family` → `histology__family`."""
    parts = path.split(".") if isinstance(path, str) else path
    return "__".join(parts)


def _sql_type(annotation: Any) -> str:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _sql_type(args[0])
    origin = typing.get_origin(annotation)
    if origin is tuple:
        return "VARCHAR[]"
    if origin is typing.Literal:
        return "BOOLEAN" if all(isinstance(a, bool) for a in typing.get_args(annotation)) else "VARCHAR"
    if annotation is bool:
        return "BOOLEAN"
    if annotation is int:
        return "BIGINT"
    if annotation is Decimal:
        return DECIMAL
    if annotation is date:
        return "DATE"
    return "VARCHAR"


def item_columns(collection: str) -> dict[str, str]:
    """Attribute → SQL type of one quantifiable collection (agent attributes live in `agents`)."""
    model = ITEM_MODELS[collection]
    columns = {name: _sql_type(f.annotation) for name, f in model.model_fields.items() if name != "present"}
    for derived in DERIVED.get(collection, ()):
        if not derived.startswith("agent."):
            columns[derived] = _DERIVED_TYPES[derived]
    return columns


# Every table carries the patient's surrogate key beside its id: an integer assigned when
# the facts are loaded (dense, one per patient), on which the compiled SQL joins, groups
# and partitions. Hashing and comparing an integer rather than a text id made the
# pre-screening of 1,000,000 patients about a fifth faster on DuckDB; the text id is
# what the output names.
PATIENT_KEY = "patient_key"
KEY_TYPE = "BIGINT"

PATIENT_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "as_of": "DATE",
    "first_dose": "DATE",
    "birth_date": "DATE",
    "sex": "VARCHAR",  # female or male; NULL for other or unknown, as fields.py reads it
    **{name: "BOOLEAN" for name in PATIENT_ATTRIBUTES if name != "sex"},
}
AGENT_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "collection": "VARCHAR",
    "item_index": "BIGINT",
    "agent_index": "BIGINT",
    "name": "VARCHAR",
    "known": "BOOLEAN",
    "drug_classes": "VARCHAR[]",  # the drug's own classes (growth factors are found by these)
    "class": "VARCHAR[]",  # agent.class: its classes, plus adc for an ADC
    "target": "VARCHAR[]",
    "is_adc": "BOOLEAN",
    "payload": "VARCHAR",
    "contains": "VARCHAR[]",
    "cyp3a4": "VARCHAR",
    "half_life_hours": "DOUBLE",
}
OBSERVATION_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "idx": "BIGINT",
    "code": "VARCHAR",
    "date": "DATE",
    "value": DECIMAL,
    "result": "VARCHAR",
    "method": "VARCHAR",
    "uln": DECIMAL,
    "lln": DECIMAL,
}
ATTESTATION_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "idx": "BIGINT",
    "topic": "VARCHAR",
    "value": "BOOLEAN",
    "quantity": DECIMAL,
    "unit": "VARCHAR",
    "on": "DATE",
}
REVIEW_COLUMNS: dict[str, str] = {
    "patient_id": "VARCHAR",
    "section": "VARCHAR",
    "complete": "BOOLEAN",
    "reviewed_on": "DATE",
}


def table_columns() -> dict[str, dict[str, str]]:
    """Every table of the schema: name → column → SQL type (`patient_id`, then
    `patient_key`, first in each)."""
    tables: dict[str, dict[str, str]] = {
        "patients": PATIENT_COLUMNS,
        "section_reviews": REVIEW_COLUMNS,
        "agents": AGENT_COLUMNS,
        "observations": OBSERVATION_COLUMNS,
        "attestations": ATTESTATION_COLUMNS,
    }
    for collection, section in COLLECTIONS.items():
        tables[section] = {
            "patient_id": "VARCHAR",
            "item_index": "BIGINT",
            "present": "BOOLEAN",
            **{column_name(a): t for a, t in item_columns(collection).items()},
        }
    return {table: _keyed(columns) for table, columns in tables.items()}


def _keyed(columns: dict[str, str]) -> dict[str, str]:
    rest = {c: t for c, t in columns.items() if c != "patient_id"}
    return {"patient_id": "VARCHAR", PATIENT_KEY: KEY_TYPE, **rest}


def _exact(value: Decimal | None, where: str) -> Decimal | None:
    if value is None:
        return None
    if value.quantize(_SCALE) != value:
        raise FactsError(f"{where}: {value} has more than 12 decimal places", fix="round the value in the record")
    return value


def _patient_row(s: Screening, knowledge: Knowledge) -> list[Any]:
    patient = s.view.patient
    row: list[Any] = [patient.id, s.as_of, s.first_dose, patient.birth_date]
    for name in PATIENT_ATTRIBUTES:
        row.append(resolve(("patient", name), None, patient, knowledge).value)
    return row


def _attribute_paths() -> dict[str, list[tuple[str, ...]]]:
    return {collection: [tuple(a.split(".")) for a in item_columns(collection)] for collection in COLLECTIONS}


def _item_rows(
    s: Screening, knowledge: Knowledge, paths: dict[str, list[tuple[str, ...]]]
) -> dict[str, list[list[Any]]]:
    patient = s.view.patient
    rows: dict[str, list[list[Any]]] = {}
    for collection, section_name in COLLECTIONS.items():
        section = getattr(patient, section_name)
        out = rows.setdefault(section_name, [])
        for index, value in enumerate(section.items):
            item = Item(collection, value, f"$.{section_name}.items[{index}]")
            row: list[Any] = [patient.id, index, value.__dict__.get("present", True)]
            for path in paths[collection]:
                row.append(resolve(path, item, patient, knowledge).value)
            # a set is stored sorted; a list (a line's agents) keeps its order: agent_index counts in it
            out.append([sorted(v) if isinstance(v, frozenset) else list(v) if isinstance(v, tuple) else v for v in row])
    return rows


def _agent_rows(s: Screening) -> list[list[Any]]:
    patient = s.view.patient
    rows: list[list[Any]] = []
    named = [("therapy", i, line.agents) for i, line in enumerate(patient.therapies.items)]
    named += [("medication", i, (m.agent,)) for i, m in enumerate(patient.medications.items)]
    for collection, index, agents in named:
        for agent_index, name in enumerate(agents):
            drug = s.view.drug(name)
            if drug is None:
                rows.append([patient.id, collection, index, agent_index, name, False] + [None] * 8)
                continue
            rows.append(
                [
                    patient.id,
                    collection,
                    index,
                    agent_index,
                    name,
                    True,
                    sorted(drug.classes),
                    sorted(drug.classes | ({"adc"} if drug.adc else set())),
                    sorted(drug.targets),
                    drug.adc,
                    drug.payload_class,
                    sorted(drug.contains),
                    drug.cyp3a4,
                    drug.half_life_hours,
                ]
            )
    return rows


def _observation_rows(s: Screening, knowledge: Knowledge) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for views in s.view.observations.values():
        for ov in views:
            obs = ov.observation
            index = int(ov.path.removeprefix("$.observations[").removesuffix("]"))
            limits: list[Decimal | None] = [None, None]
            rr = obs.reference_range
            unit = (rr.unit or obs.unit) if rr is not None else None
            if rr is not None and unit is not None and ov.value is not None:
                for i, limit in enumerate((rr.high, rr.low)):
                    if limit is not None:
                        limits[i] = knowledge.to_canonical(ov.lab.code, limit, unit)
            where = f"{s.view.patient.id} {ov.path}"
            rows.append(
                [
                    s.view.patient.id,
                    index,
                    ov.lab.code,
                    obs.date,
                    _exact(ov.value, where),
                    obs.result,
                    obs.method,
                    _exact(limits[0], where + ".reference_range.high"),
                    _exact(limits[1], where + ".reference_range.low"),
                ]
            )
    return rows


def _attestation_rows(s: Screening) -> list[list[Any]]:
    patient = s.view.patient
    return [
        [patient.id, i, a.topic, a.value, _exact(a.quantity, f"{patient.id} $.attestations[{i}]"), a.unit, a.on]
        for i, a in enumerate(patient.attestations)
    ]


def _review_rows(s: Screening) -> list[list[Any]]:
    patient = s.view.patient
    sections = sorted(set(COLLECTIONS.values()))
    return [
        [patient.id, name, getattr(patient, name).complete, getattr(patient, name).reviewed_on] for name in sections
    ]


def fact_rows(screenings: Iterable[Screening], knowledge: Knowledge) -> dict[str, list[list[Any]]]:
    """The rows of every table for the given patient records."""
    tables: dict[str, list[list[Any]]] = {name: [] for name in table_columns()}
    seen: set[str] = set()
    paths = _attribute_paths()  # read once: the schema is derived from the record models
    for s in screenings:
        if s.view.patient.id in seen:
            raise FactsError(f"patient id {s.view.patient.id!r} appears twice", fix="give each record its own id")
        seen.add(s.view.patient.id)
        tables["patients"].append(_patient_row(s, knowledge))
        tables["section_reviews"] += _review_rows(s)
        tables["agents"] += _agent_rows(s)
        tables["observations"] += _observation_rows(s, knowledge)
        tables["attestations"] += _attestation_rows(s)
        for section, rows in _item_rows(s, knowledge, paths).items():
            tables[section] += rows
    # the surrogate key as `store.open_facts` assigns it: dense, in id order
    keys = {patient: key for key, patient in enumerate(sorted(seen), start=1)}
    return {table: [[row[0], keys[row[0]], *row[1:]] for row in rows] for table, rows in tables.items()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the facts schema (empty) in the connection."""
    for table, columns in table_columns().items():
        body = ", ".join(f"{_quote(c)} {t}" for c, t in columns.items())
        con.execute(f"CREATE TABLE {_quote(table)} ({body})")


_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
    "VARCHAR[]": pa.list_(pa.string()),
    DECIMAL: pa.decimal128(38, 12),
}


def _cell(value: Any) -> Any:
    # a nested record (an adverse event's lab) is stored as its JSON text
    return value.model_dump_json(exclude_none=True) if isinstance(value, BaseModel) else value


def arrow_table(table: str, rows: Sequence[Sequence[Any]]) -> pa.Table:
    """The rows of one facts table as an Arrow table of its schema (column-wise, no SQL)."""
    columns = table_columns()[table]
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pa.table(
        {
            name: pa.array([_cell(v) for v in column], _ARROW_TYPES[sql_type])
            for (name, sql_type), column in zip(columns.items(), values, strict=True)
        }
    )


def load_duckdb(
    screenings: Sequence[Screening], knowledge: Knowledge, con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """Load patient records into a (new, in-memory unless given) DuckDB database, one
    Arrow table per facts table."""
    con = con if con is not None else duckdb.connect()
    create_schema(con)
    for table, rows in fact_rows(screenings, knowledge).items():
        if rows:
            con.register("_td_rows", arrow_table(table, rows))
            con.execute(f"INSERT INTO {_quote(table)} SELECT * FROM _td_rows")
            con.unregister("_td_rows")
    return con


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path, knowledge: Knowledge) -> list[Path]:
    """Write the facts tables of `con` as a facts directory (`trialdesk.population.store`):
    `store.open_facts` reads it back to the same tables."""
    from trialdesk.population.store import write_facts  # the store builds on this module

    return write_facts(con, directory, knowledge)
