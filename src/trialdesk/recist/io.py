"""Read RECIST 1.1 assessments from JSON or CSV; every error names subject, visit and field.

JSON follows `RecistInput` (see `trialdesk.recist.record` for an example, and
`recist_input_schema()` for the JSON Schema).

CSV has one row per lesion per assessment, with this header (any column order):

    subject_id,start_date,visit,date,lesion_id,site,kind,lymph_node,diameter_mm,status,equivocal

- `subject_id`, `start_date` (first dose, YYYY-MM-DD; the same on every row of a subject)
- `visit` (a label) and `date` (YYYY-MM-DD): rows with the same subject and date form one
  assessment; the earliest is the baseline
- `lesion_id`, `site`, `kind`: `target`, `non_target`, or `new` for a lesion first seen at
  this visit (its `lesion_id` is optional and links it across visits)
- `lymph_node`: true/false (also yes/no, 1/0; empty = false)
- `diameter_mm`: longest diameter, or short axis for a node; empty = not assessed
  (required for target lesions; 0 = disappeared, 5 = too small to measure)
- `status`: for non-target lesions, present / absent / unequivocal_progression / not_assessed
- `equivocal`: for new lesions, true/false (empty = false)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trialdesk.errors import RecistError, validation_fix
from trialdesk.recist.record import RecistInput, check_subject_record

CSV_COLUMNS = (
    "subject_id",
    "start_date",
    "visit",
    "date",
    "lesion_id",
    "site",
    "kind",
    "lymph_node",
    "diameter_mm",
    "status",
    "equivocal",
)
# how a yes/no cell of a CSV export is spelt (an empty cell is no)
TRUE_CELLS = frozenset({"true", "yes", "y", "1"})
FALSE_CELLS = frozenset({"false", "no", "n", "0", ""})
Loc = tuple[int | str, ...]


def recist_input_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON input (pydantic's, from `RecistInput`)."""
    return RecistInput.model_json_schema()


def _hint(error_type: str) -> str:
    specific = {
        "greater_than_equal": "a diameter cannot be negative",
        "decimal_parsing": "write a number in mm, or leave it empty (null) when not assessed",
    }
    return validation_fix(error_type, "examples/recist/assessments.json", specific)


def _place(data: Any, loc: Loc) -> str:
    """'subject S01, visit week 8 (2026-03-02), lesions[1] (T2).diameter_mm' for a pydantic loc."""
    parts: list[str] = []
    node = data
    rest = list(loc)
    if rest[:1] == ["subjects"] and len(rest) > 1 and isinstance(rest[1], int):
        node = _item(node, "subjects", rest[1])
        parts.append(f"subject {_get(node, 'id') or f'#{rest[1] + 1}'}")
        rest = rest[2:]
        if rest[:1] == ["assessments"] and len(rest) > 1 and isinstance(rest[1], int):
            node = _item(node, "assessments", rest[1])
            parts.append(f"visit {_get(node, 'visit') or f'#{rest[1] + 1}'} ({_get(node, 'date') or 'no date'})")
            rest = rest[2:]
    field = ""
    for index, part in enumerate(rest):
        if isinstance(part, int):
            lesion_id = _get(_item(node, str(rest[index - 1]), part), "id") if index else None
            field += f"[{part}]" + (f" ({lesion_id})" if lesion_id else "")
        else:
            field += f".{part}" if field else part
    return ", ".join(parts + ([field] if field else []))


def _item(node: Any, key: str, index: int) -> Any:
    items = node.get(key) if isinstance(node, dict) else None
    return items[index] if isinstance(items, list) and 0 <= index < len(items) else None


def _get(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, dict) else None


def recist_from_data(data: Any, *, source: str = "input", lines: dict[Loc, int] | None = None) -> RecistInput:
    """Validate parsed JSON (or CSV rows grouped by `recist_from_csv`) into a RecistInput.

    1. Validate the shape with pydantic; the first error is raised as a RecistError naming
       the subject, the visit and the field (and the CSV line, when `lines` is given).
    2. Check each subject's follow-ups against its baseline (`check_subject_record`).
    """
    try:
        parsed = RecistInput.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(loc, lines or {})
        where = _place(data, loc) or "the file"
        raise RecistError(
            f"{source}{f' line {line}' if line else ''}: {where}: {first['msg']}", fix=_hint(first["type"])
        ) from None
    for subject in parsed.subjects:
        try:
            check_subject_record(subject)
        except RecistError as exc:
            raise RecistError(f"{source}: {exc.message}", fix=exc.fix) from None
    return parsed


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for size in range(len(loc), 0, -1):
        if loc[:size] in lines:
            return lines[loc[:size]]
    return None


def _flag(value: str, column: str, line: int, source: str) -> bool:
    text = value.strip().lower()
    if text in TRUE_CELLS:
        return True
    if text in FALSE_CELLS:
        return False
    raise RecistError(f"{source} line {line}: {column} {value!r} is not true or false", fix="write true or false")


def _lesion_from_row(row: dict[str, str], line: int, source: str) -> tuple[str, dict[str, Any]]:
    kind = row["kind"].strip()
    if kind == "new":
        new: dict[str, Any] = {
            "site": row["site"].strip(),
            "equivocal": _flag(row["equivocal"], "equivocal", line, source),
        }
        if row["lesion_id"].strip():
            new["id"] = row["lesion_id"].strip()
        return "new_lesions", new
    lesion: dict[str, Any] = {
        "id": row["lesion_id"].strip(),
        "site": row["site"].strip(),
        "kind": kind,
        "lymph_node": _flag(row["lymph_node"], "lymph_node", line, source),
        "diameter_mm": row["diameter_mm"].strip() or None,
    }
    if row["status"].strip():
        lesion["status"] = row["status"].strip()
    if row["equivocal"].strip():
        raise RecistError(f"{source} line {line}: equivocal applies to kind new only", fix="leave it empty")
    return "lesions", lesion


def recist_from_csv(text: str, *, source: str = "input.csv") -> RecistInput:
    """Read the CSV form (one row per lesion per assessment; columns in the module doc)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise RecistError(
            f"{source}: header "
            + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else [])
                + ([f"unknown {', '.join(unknown)}"] if unknown else [])
            ),
            fix=f"the header is {','.join(CSV_COLUMNS)}",
        )
    subjects: dict[str, dict[str, Any]] = {}
    lines: dict[Loc, int] = {}
    for raw in reader:
        line = reader.line_num
        row = {k.strip(): (v or "") for k, v in raw.items() if k is not None}
        subject_id = row["subject_id"].strip()
        if not subject_id:
            raise RecistError(f"{source} line {line}: subject_id is empty", fix="give every row its subject")
        subject = subjects.setdefault(
            subject_id, {"id": subject_id, "start_date": row["start_date"].strip(), "assessments": []}
        )
        s_index = list(subjects).index(subject_id)
        lines.setdefault(("subjects", s_index), line)
        if row["start_date"].strip() != subject["start_date"]:
            raise RecistError(
                f"{source} line {line}: subject {subject_id}, start_date {row['start_date']!r} differs from "
                f"{subject['start_date']!r} on an earlier row",
                fix="give the subject one start_date (the first dose)",
            )
        visits = subject["assessments"]
        a_index = next((i for i, a in enumerate(visits) if a["date"] == row["date"].strip()), None)
        if a_index is None:
            visits.append(
                {"date": row["date"].strip(), "visit": row["visit"].strip(), "lesions": [], "new_lesions": []}
            )
            a_index = len(visits) - 1
        assessment = visits[a_index]
        if row["visit"].strip() != assessment["visit"]:
            raise RecistError(
                f"{source} line {line}: subject {subject_id}, date {row['date']}: visit {row['visit']!r} differs from "
                f"{assessment['visit']!r} on an earlier row of the same date",
                fix="rows of one assessment share its date and visit label",
            )
        key, item = _lesion_from_row(row, line, source)
        assessment[key].append(item)
        loc: Loc = ("subjects", s_index, "assessments", a_index)
        lines.setdefault(loc, line)
        lines[(*loc, key, len(assessment[key]) - 1)] = line
    if not subjects:
        raise RecistError(f"{source}: no rows", fix="add one row per lesion per assessment")
    return recist_from_data({"subjects": list(subjects.values())}, source=source, lines=lines)


def load_recist_file(path: Path) -> RecistInput:
    """Load assessments from a .json or .csv file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecistError(f"{path}: cannot read: {exc.strerror}", fix="check the file name") from None
    if path.suffix.lower() == ".csv":
        return recist_from_csv(text, source=str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecistError(f"{path}: not valid JSON: {exc}", fix="correct the syntax") from None
    return recist_from_data(data, source=str(path))
