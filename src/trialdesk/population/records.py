"""A facts directory read back as patient records: for the Python screener's side of the
differential tests and benchmarks, and for looking at one patient of a population."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trialdesk.criteria.ast import COLLECTIONS
from trialdesk.population.store import disk_columns


def _plain(value: Any) -> Any:
    # Parquet doubles back to the decimals the record model holds, through their text
    return Decimal(str(value)) if isinstance(value, float) else value


def _items(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    drop = {"patient_id", key}
    ordered = sorted(rows, key=lambda r: int(r[key]))
    # `present: true` is the default, and not a field of every section's items
    return [
        {k: _plain(v) for k, v in r.items() if k not in drop and v is not None and not (k == "present" and v)}
        for r in ordered
    ]


def _observation(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: _plain(row[k]) for k in ("code", "date", "value", "unit", "result", "method") if row[k] is not None}
    if row["reference_low"] is not None or row["reference_high"] is not None:
        out["reference_range"] = {
            k: _plain(row[f"reference_{k}"]) for k in ("low", "high", "unit") if row[f"reference_{k}"] is not None
        }
    return out


def records_from_facts(directory: Path, limit: int) -> list[tuple[dict[str, Any], date, date]]:
    """The first `limit` patients (by id) of a facts directory as record dicts, each with
    its as-of and first-dose dates. Only their rows are read."""
    patients = pq.read_table(directory / "patients.parquet", columns=["patient_id"]).column("patient_id")
    ids = sorted(patients.to_pylist())[:limit]
    if not ids:
        return []
    last = ids[-1]
    tables: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for table in disk_columns():
        path = directory / f"{table}.parquet"
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if path.exists():
            data = pq.read_table(path, filters=[("patient_id", "<=", last)])
            data = data.filter(pc.is_in(data.column("patient_id"), value_set=pa.array(ids, pa.string())))
            for row in data.to_pylist():
                grouped[row["patient_id"]].append(row)
        tables[table] = grouped
    out = []
    for patient in ids:
        (p,) = tables["patients"][patient]
        reproductive = ("childbearing_potential", "pregnant", "lactating", "fertile_partner")
        record: dict[str, Any] = {"id": patient, "sex": p["sex"] or "unknown", "birth_date": p["birth_date"]}
        record["reproductive"] = {k: p[k] for k in reproductive if p[k] is not None}
        reviews = {r["section"]: r for r in tables["section_reviews"][patient]}
        for section in set(COLLECTIONS.values()):
            review = reviews.get(section, {})
            record[section] = {
                "complete": bool(review.get("complete")),
                "reviewed_on": review.get("reviewed_on"),
                "items": _items(tables[section][patient], "item_index"),
            }
        record["observations"] = [
            _observation(r) for r in sorted(tables["observations"][patient], key=lambda r: r["idx"])
        ]
        record["attestations"] = [
            {**a, "by": "synthetic investigator"} for a in _items(tables["attestations"][patient], "idx")
        ]
        out.append((record, p["as_of"], p["first_dose"]))
    return out
