"""Read a file of laboratory values to grade: JSON or CSV, one `LabObservation` per row.

JSON: ``{"observations": [{"subject_id": "S01", "lab": "alt", "value": 112, "unit": "U/L",
"date": "2026-03-02", "reference_low": 7, "reference_high": 40}, ...]}`` — the JSON Schema
is `lab_file_json_schema()`.

CSV: a header row naming `LabObservation` fields (any order; optional columns may be
left out), then one row per value; an empty cell is an absent value, and
``on_anticoagulation`` reads true/false, yes/no or 1/0.

Every error names the 1-based row (and, for CSV, the file line) and the field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trialdesk.ctcae.observation import LabObservation
from trialdesk.errors import CtcaeError

_HINTS = {
    "missing": "add the field",
    "extra_forbidden": "remove the field or correct its spelling (see the lab file JSON Schema)",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "decimal_parsing": "write a number, e.g. 1.5",
    "bool_parsing": "write true or false",
    "greater_than_equal": "the value cannot be negative",
    "greater_than": "the value must be positive",
}


def _observation(data: Mapping[str, Any], row: int, where: str) -> LabObservation:
    try:
        return LabObservation.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise CtcaeError(f"{where}: {message}", field=field, row=row, fix=_HINTS.get(first["type"])) from None


def labs_from_data(data: Any, *, source: str = "lab file") -> tuple[LabObservation, ...]:
    """Validate parsed JSON: an object with a non-empty ``observations`` list."""
    if not isinstance(data, dict) or not isinstance(data.get("observations"), list):
        raise CtcaeError(f"{source}: expected an object with an 'observations' list", field="observations")
    if extra := sorted(set(data) - {"observations"}):
        raise CtcaeError(f"{source}: unknown top-level field {extra[0]!r}", field=extra[0], fix="remove it")
    rows = data["observations"]
    if not rows:
        raise CtcaeError(f"{source}: 'observations' is empty", field="observations", fix="add at least one row")
    out = []
    for index, item in enumerate(rows, start=1):
        if not isinstance(item, dict):
            raise CtcaeError(f"{source}: a row must be an object", row=index)
        out.append(_observation(item, index, source))
    return tuple(out)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CtcaeError(f"{path}: cannot read: {exc.strerror}", field="file", fix="check the file name") from None


def load_labs_json(path: Path) -> tuple[LabObservation, ...]:
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise CtcaeError(f"{path}: not valid JSON: {exc}", field="file", fix="correct the syntax") from None
    return labs_from_data(data, source=str(path))


def load_labs_csv(path: Path) -> tuple[LabObservation, ...]:
    reader = csv.DictReader(_read(path).splitlines())
    if not reader.fieldnames:
        raise CtcaeError(f"{path}: no header row", field="file", fix="start the file with the column names")
    out = []
    for index, record in enumerate(reader, start=1):
        if None in record:
            raise CtcaeError(f"{path} (line {reader.line_num}): more cells than columns", row=index)
        data = {key.strip(): value.strip() for key, value in record.items() if value is not None and value.strip()}
        out.append(_observation(data, index, f"{path} (line {reader.line_num})"))
    if not out:
        raise CtcaeError(f"{path}: no rows after the header", field="file", fix="add at least one row")
    return tuple(out)


def load_lab_file(path: Path) -> tuple[LabObservation, ...]:
    """Load a lab file by its suffix: ``.json`` or ``.csv``."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_labs_json(path)
    if suffix == ".csv":
        return load_labs_csv(path)
    raise CtcaeError(f"{path}: a lab file is .json or .csv", field="file", fix="rename or convert the file")
