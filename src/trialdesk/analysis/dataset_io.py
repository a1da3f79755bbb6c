"""The trial dataset's files: its JSON file, or its CSV form, the shape of an EDC export.

    load_trial_dataset(Path("examples/analysis/NCT07077564.json"))
    load_trial_dataset(Path("examples/analysis/NCT07077564.csv"), trial_id="NCT07077564",
                       lesions=Path("examples/analysis/NCT07077564.lesions.csv"), screened=54)

The CSV form is what a data manager exports from REDCap or another EDC — one file per
form, one row per repeated instance — with the dataset-level values given beside it:

1. The **assessments CSV** (the dataset): one row per RECIST 1.1 time-point response,
   the subject's columns repeated on each of its rows; a subject without any assessment
   has one row with `assessment_date` and `response` empty. Header (any column order):

       subject_id,enrolment_date,first_dose_date,last_dose_date,death_date,last_known_alive_date,
       end_of_treatment_date,end_of_treatment_reason,subsequent_therapy_date,assessment_date,response

2. The **lesions CSV** (optional; `--lesions FILE`, `lesions=`): the lesion reads (JSON
   `lesion_measurements`), one row per lesion per read, keyed by `subject_id` and
   `assessment_date`. Its columns are those of `trialdesk recist`'s CSV
   (`trialdesk.recist.io`), its `date` named after the key it shares with the
   assessments CSV and without `start_date` (the subject's `first_dose_date`):

       subject_id,assessment_date,visit,lesion_id,site,kind,lymph_node,diameter_mm,status,equivocal

   - The rows of one subject and date are one read; the subject's earliest read is its
     baseline (no response row), and every later read needs the response row of its
     date in the assessments CSV. Reads may come in any row order.
   - `kind`: target, non_target, or new (a lesion first seen at that read; `lesion_id`
     optional). `lymph_node`, `equivocal`: true/false (yes/no, 1/0; empty = false).
   - `diameter_mm`: millimetres, the number alone (23, 23.5); empty = not assessed;
     0 = disappeared, 5 = too small to measure (RECIST 1.1 §4.3.2). No other unit is
     read: a `diameter_cm` column or a value such as `2.3 cm` is an error.
   - `status` (non-target): present, absent, unequivocal_progression or not_assessed.
   - A row whose lesion columns are all empty records a read without any lesion.
3. **screened** (optional; `--screened N`, `screened=`), given like the trial id
   (`--trial`): a count for the whole dataset, which no subject row carries — it comes
   from the screening log, not from the subjects' forms.

In both CSV files other columns (e.g. REDCap's `redcap_event_name`) are ignored, a UTF-8
byte-order mark (Excel) is skipped, and every error names the file, the line and the
column. `trial_dataset_to_csv` writes the form; `examples/analysis/generate.py` ships
the examples in it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trialdesk.analysis.dataset import TIME_POINT_CATEGORIES, Loc, TrialDataset, trial_dataset_from_data
from trialdesk.errors import AnalysisError, validation_fix
from trialdesk.recist.io import CSV_COLUMNS as RECIST_CSV_COLUMNS
from trialdesk.recist.io import FALSE_CELLS, TRUE_CELLS
from trialdesk.recist.record import LesionRecord, NewLesionRecord

SUBJECT_COLUMNS = (
    "subject_id",
    "enrolment_date",
    "first_dose_date",
    "last_dose_date",
    "death_date",
    "last_known_alive_date",
    "end_of_treatment_date",
    "end_of_treatment_reason",
    "subsequent_therapy_date",
)
CSV_COLUMNS = (*SUBJECT_COLUMNS, "assessment_date", "response")
# `trialdesk recist`'s CSV columns, keyed like the assessments (the start date is the
# subject's first dose)
LESION_CSV_COLUMNS = (
    "subject_id",
    "assessment_date",
    *(c for c in RECIST_CSV_COLUMNS if c not in ("subject_id", "start_date", "date")),
)
_LESION_FIELDS = LESION_CSV_COLUMNS[3:]
_REQUIRED = ("enrolment_date", "last_known_alive_date")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REFERENCE = "trialdesk.analysis.dataset_io and examples/analysis/NCT07077564.lesions.csv"


@dataclass(frozen=True, slots=True)
class TrialDatasetCsv:
    """A dataset in the CSV form: the two files' text and the count given beside them."""

    assessments: str
    lesions: str
    screened: int | None


def _error(where: str, column: str, problem: str, fix: str) -> AnalysisError:
    return AnalysisError(f"{where}, column {column}: {problem}", fix=fix)


def _rows(text: str, columns: tuple[str, ...], source: str) -> Iterator[tuple[str, dict[str, str]]]:
    """("file line N", row with stripped names and values) after checking the header."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    # a diameter in another unit must not pass as mm, nor be dropped as an extra column
    other_unit = [c for c in header if c.startswith("diameter") and c != "diameter_mm"]
    if other_unit:
        raise AnalysisError(
            f"{source} line 1, column {other_unit[0]}: diameters are read in millimetres, from diameter_mm only",
            fix="convert the diameters to mm (1 cm = 10 mm) and name the column diameter_mm",
        )
    missing = [c for c in columns if c not in header]
    if missing:
        raise AnalysisError(
            f"{source} line 1: missing column(s) {', '.join(missing)}",
            fix=f"use the header {','.join(columns)} (any order; see trialdesk.analysis.dataset_io)",
        )
    for raw in reader:
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        yield f"{source} line {reader.line_num}", row


def _date(value: str, where: str, column: str) -> str:
    try:
        if _ISO_DATE.fullmatch(value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise _error(where, column, f"{value!r} is not a date", "write the date as YYYY-MM-DD, e.g. 2026-03-02")


def trial_dataset_from_csv(
    text: str,
    *,
    trial_id: str,
    source: str = "input",
    lesions: str | None = None,
    lesions_source: str = "lesions",
    screened: int | None = None,
) -> TrialDataset:
    """Read the CSV form (see the module docstring) into a TrialDataset.

    1. Assessments: rows grouped by subject_id, in file order; the subject's columns must
       agree on every row; dates are YYYY-MM-DD, responses CR/PR/SD/PD/NE.
    2. Lesions (when given): rows grouped into reads by subject and date, in date order;
       each subject must be in the assessments, each follow-up read must have a response
       row of its date, each lesion row must be a valid RECIST lesion.
    3. The whole is validated as JSON is (`trial_dataset_from_data`), each error naming
       the line it came from.
    """
    subjects: dict[str, dict[str, Any]] = {}
    lines: dict[Loc, str] = {}
    for where, row in _rows(text, CSV_COLUMNS, source):
        sid = row["subject_id"]
        if not sid:
            raise _error(where, "subject_id", "empty", "give every row its subject's id")
        fields = _subject_fields(row, where)
        if sid not in subjects:
            subjects[sid] = {**fields, "assessments": []}
            lines[("subjects", len(subjects) - 1)] = where
        record, index = subjects[sid], list(subjects).index(sid)
        for column in SUBJECT_COLUMNS:
            if record[column] != fields[column]:
                raise _error(
                    where,
                    column,
                    f"subject {sid}: {fields[column]!r} differs from {record[column]!r} on its first row "
                    f"({lines[('subjects', index)]})",
                    fix="repeat the same subject values on every row of a subject",
                )
        assessment = _assessment(row, where)
        if assessment is not None:
            record["assessments"].append(assessment)
            lines[("subjects", index, "assessments", len(record["assessments"]) - 1)] = where
    if lesions is not None:
        _attach_lesion_reads(lesions, lesions_source, subjects, lines, assessments_source=source)
    data = {"trial_id": trial_id, "screened": screened, "subjects": list(subjects.values())}
    return trial_dataset_from_data(data, source=source, lines=lines)


def _subject_fields(row: dict[str, str], where: str) -> dict[str, str | None]:
    for column in _REQUIRED:
        if not row[column]:
            raise _error(where, column, "empty", f"every subject needs its {column} (YYYY-MM-DD)")
    fields: dict[str, str | None] = {c: row[c] or None for c in SUBJECT_COLUMNS}
    for column in SUBJECT_COLUMNS:
        value = fields[column]
        if column.endswith("_date") and value is not None:
            fields[column] = _date(value, where, column)
    return fields


def _assessment(row: dict[str, str], where: str) -> dict[str, str] | None:
    date, response = row["assessment_date"], row["response"]
    if not date and not response:
        return None
    if not date:
        raise _error(where, "assessment_date", "empty, but response is given", "give the date of the response")
    if response not in TIME_POINT_CATEGORIES:
        problem = "empty, but assessment_date is given" if not response else f"{response!r} is not a response"
        raise _error(where, "response", problem, "write the RECIST 1.1 time-point response: CR, PR, SD, PD or NE")
    return {"date": _date(date, where, "assessment_date"), "response": response}


def _attach_lesion_reads(
    text: str, source: str, subjects: dict[str, dict[str, Any]], lines: dict[Loc, str], *, assessments_source: str
) -> None:
    """Group the lesion rows into each subject's `lesion_measurements` (step 2 of
    `trial_dataset_from_csv`)."""
    reads: dict[str, dict[str, dict[str, Any]]] = {}
    read_lines: dict[tuple[str, str], str] = {}
    lesion_lines: dict[tuple[str, str, str], str] = {}
    for where, row in _rows(text, LESION_CSV_COLUMNS, source):
        sid = row["subject_id"]
        if sid not in subjects:
            problem = "empty" if not sid else f"subject {sid!r} is not in {assessments_source}"
            raise _error(where, "subject_id", problem, f"correct the id, or add the subject to {assessments_source}")
        date, visit = _date(row["assessment_date"], where, "assessment_date"), row["visit"]
        if not visit:
            raise _error(where, "visit", "empty", "name the read's visit, e.g. baseline or week 8")
        read = reads.setdefault(sid, {}).setdefault(
            date, {"date": date, "visit": visit, "lesions": [], "new_lesions": []}
        )
        first = read_lines.setdefault((sid, date), where)
        if visit != read["visit"]:
            raise _error(
                where, "visit", f"{visit!r} differs from {read['visit']!r} on {first}", "give one read one visit label"
            )
        item = _lesion(row, where)
        if item is None:
            continue
        key, lesion = item
        if key == "lesions":
            earlier = lesion_lines.setdefault((sid, date, lesion["id"]), where)
            if earlier != where:
                raise _error(
                    where, "lesion_id", f"lesion {lesion['id']!r} is read twice on {date} ({earlier})", "keep one row"
                )
        read[key].append(lesion)
    for sid, by_date in reads.items():
        index, dates = list(subjects).index(sid), sorted(by_date)
        responses = {a["date"] for a in subjects[sid]["assessments"]}
        for date in dates[1:]:  # the earliest read is the baseline: it has no response
            if date not in responses:
                raise _error(
                    read_lines[(sid, date)],
                    "assessment_date",
                    f"subject {sid}: the read of {date} has no time-point response in {assessments_source} "
                    f"(the subject's baseline read is {dates[0]})",
                    fix=f"add the response of {date} to {assessments_source}, or correct the date",
                )
        subjects[sid]["lesion_measurements"] = [by_date[d] for d in dates]
        for number, date in enumerate(dates):
            lines[("subjects", index, "lesion_measurements", number)] = read_lines[(sid, date)]


def _lesion(row: dict[str, str], where: str) -> tuple[str, dict[str, Any]] | None:
    """("lesions" or "new_lesions", the lesion) of one row; None for a read without lesions."""
    if not any(row[c] for c in _LESION_FIELDS):
        return None
    kind = row["kind"]
    if kind == "new":
        for column in ("lymph_node", "diameter_mm", "status"):
            if row[column]:
                raise _error(where, column, "does not apply to a new lesion", "leave it empty: a new lesion has a site")
        new: dict[str, Any] = {"site": row["site"], "equivocal": _flag(row, "equivocal", where)}
        if row["lesion_id"]:
            new["id"] = row["lesion_id"]
        return "new_lesions", _valid(NewLesionRecord, new, where)
    if kind not in ("target", "non_target"):
        raise _error(where, "kind", f"{kind!r} is not a lesion kind", "write target, non_target or new")
    if row["equivocal"]:
        raise _error(where, "equivocal", "applies to kind new only", "leave it empty")
    lesion: dict[str, Any] = {
        "id": row["lesion_id"],
        "site": row["site"],
        "kind": kind,
        "lymph_node": _flag(row, "lymph_node", where),
        "diameter_mm": _diameter(row["diameter_mm"], where),
    }
    if row["status"]:
        lesion["status"] = row["status"]
    return "lesions", _valid(LesionRecord, lesion, where)


def _valid(model: type[BaseModel], item: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        model.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "status"  # the model-level rules are about status
        column = "lesion_id" if field == "id" else field
        problem = str(first["msg"]).removeprefix("Value error, ")
        fix = validation_fix(first["type"], _REFERENCE, {"string_too_short": "fill it in: it cannot be empty"})
        raise _error(where, column, problem, fix) from None
    return item


def _flag(row: dict[str, str], column: str, where: str) -> bool:
    text = row[column].lower()
    if text in TRUE_CELLS | FALSE_CELLS:
        return text in TRUE_CELLS
    raise _error(where, column, f"{row[column]!r} is not true or false", "write true or false (empty = false)")


def _diameter(value: str, where: str) -> str | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if number.is_finite() and number >= 0:
        return value
    if number.is_finite():
        fix = "a diameter cannot be negative: write 0 for a lesion that has disappeared"
    elif value.lower().replace(" ", "").endswith("cm"):
        fix = "convert to millimetres (1 cm = 10 mm) and write the number alone"
    elif "," in value:
        fix = "write the decimal with a point: 23.5, not 23,5"
    else:
        fix = "write the number of millimetres alone, e.g. 23 or 23.5 (empty = not assessed)"
    raise _error(where, "diameter_mm", f"{value!r} is not a diameter in mm", fix)


def trial_dataset_to_csv(dataset: TrialDataset) -> TrialDatasetCsv:
    """The CSV form of `dataset`: `trial_dataset_from_csv` reads it back to an equal dataset
    (lesion reads in date order, as JSON lists them)."""
    assessments, lesions = io.StringIO(), io.StringIO()
    subject_rows, lesion_rows = csv.writer(assessments, lineterminator="\n"), csv.writer(lesions, lineterminator="\n")
    subject_rows.writerow(CSV_COLUMNS)
    lesion_rows.writerow(LESION_CSV_COLUMNS)
    for subject in dataset.subjects:
        fields = [_cell(getattr(subject, c)) for c in SUBJECT_COLUMNS]
        # a subject without any assessment still needs its one row
        responses: list[tuple[str, str]] = [(a.date.isoformat(), a.response) for a in subject.assessments]
        responses = responses or [("", "")]
        subject_rows.writerows([*fields, date, response] for date, response in responses)
        for read in subject.lesion_measurements:
            key = [subject.subject_id, read.date.isoformat(), read.visit]
            cells = [
                [x.id, x.site, x.kind, _cell(x.lymph_node), _cell(x.diameter_mm), _cell(x.status), ""]
                for x in read.lesions
            ]
            cells += [[_cell(x.id), x.site, "new", "", "", "", _cell(x.equivocal)] for x in read.new_lesions]
            lesion_rows.writerows([*key, *c] for c in cells or [[""] * len(_LESION_FIELDS)])
    return TrialDatasetCsv(assessments.getvalue(), lesions.getvalue(), dataset.screened)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_text(path: Path, what: str) -> str:
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AnalysisError(f"{path}: cannot read: {exc.strerror}", fix=f"check the {what} path") from None
    except UnicodeDecodeError:
        raise AnalysisError(f"{path}: not UTF-8 text", fix=f"save the {what} as UTF-8") from None


def load_trial_dataset(
    path: Path, *, trial_id: str | None = None, lesions: Path | None = None, screened: int | None = None
) -> TrialDataset:
    """Load a dataset from `.json` or from the CSV form (`.csv`; see the module docstring).

    The CSV form needs `trial_id` and takes the lesions CSV and the screened count beside
    it; a JSON file carries all three itself (`trial_id`, when given, must match).
    """
    is_csv = path.suffix.lower() == ".csv"
    if not is_csv and (lesions is not None or screened is not None):
        raise AnalysisError(
            f"{path}: a lesions file and a screened count go with a CSV dataset; this one is JSON",
            fix="put them in the JSON (lesion_measurements per subject, screened), or drop --lesions/--screened",
        )
    text = _read_text(path, "dataset")
    if is_csv:
        if trial_id is None:
            raise AnalysisError(f"{path}: a CSV dataset needs a trial id", fix="pass trial_id (--trial)")
        lesion_text = _read_text(lesions, "lesions file") if lesions is not None else None
        return trial_dataset_from_csv(
            text,
            trial_id=trial_id,
            source=str(path),
            lesions=lesion_text,
            lesions_source=str(lesions),
            screened=screened,
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnalysisError(f"{path}: not JSON ({exc})", fix="write the dataset as JSON or CSV") from None
    dataset = trial_dataset_from_data(data, source=str(path))
    if trial_id is not None and dataset.trial_id != trial_id:
        raise AnalysisError(f"{path}: trial_id is {dataset.trial_id!r}, not {trial_id!r}", fix="check --trial")
    return dataset
