"""The CSV form of the trial dataset: the shipped examples round-trip to equal datasets,
and bad input is an AnalysisError naming the file, the line, the column and the fix."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.test_dataset import subject
from trialdesk.analysis import (
    CSV_COLUMNS,
    LESION_CSV_COLUMNS,
    TrialDataset,
    load_trial_dataset,
    trial_dataset_from_csv,
    trial_dataset_to_csv,
)
from trialdesk.errors import AnalysisError

EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"
TRIALS = ("NCT07077564", "NCT07520357")
SUBJECT_FIELDS = CSV_COLUMNS[:-2]


def _write(header: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")  # what Excel and REDCap write
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"  # the reader takes yes/no as well as true/false
    return str(value)


def csv_form_of(data: dict[str, Any]) -> tuple[str, str]:
    """The assessments and lesions CSV of a JSON dataset, written here from the documented
    columns (not by trial_dataset_to_csv), the way an EDC export may lay them out:
    columns reversed, subjects and reads in reverse order."""
    assessments: list[dict[str, Any]] = []
    lesions: list[dict[str, Any]] = []
    for item in data["subjects"]:  # lesion rows: the last subject's first, each one's reads newest first
        fields = {c: _text(item.get(c)) for c in SUBJECT_FIELDS}
        responses = item["assessments"] or [{"date": "", "response": ""}]
        assessments += [fields | {"assessment_date": a["date"], "response": a["response"]} for a in responses]
        rows: list[dict[str, Any]] = []
        for read in reversed(item["lesion_measurements"]):
            key = {"subject_id": item["subject_id"], "assessment_date": read["date"], "visit": read["visit"]}
            for lesion in read["lesions"]:
                rows.append(
                    key
                    | {
                        "lesion_id": lesion["id"],
                        "site": lesion["site"],
                        "kind": lesion["kind"],
                        "lymph_node": _text(lesion.get("lymph_node")),
                        "diameter_mm": _text(lesion.get("diameter_mm")),
                        "status": _text(lesion.get("status")),
                    }
                )
            for new in read.get("new_lesions", []):
                rows.append(key | {"kind": "new", "site": new["site"], "equivocal": _text(new.get("equivocal"))})
        lesions = rows + lesions
    return _write(list(reversed(CSV_COLUMNS)), assessments), _write(list(reversed(LESION_CSV_COLUMNS)), lesions)


@pytest.mark.parametrize("trial", TRIALS)
def test_shipped_example_converted_to_csv_loads_to_an_equal_dataset(trial: str) -> None:
    data = json.loads((EXAMPLES / f"{trial}.json").read_text(encoding="utf-8"))
    assessments, lesions = csv_form_of(data)
    from_csv = trial_dataset_from_csv(assessments, trial_id=trial, lesions=lesions, screened=data["screened"])
    from_json = load_trial_dataset(EXAMPLES / f"{trial}.json")
    assert from_csv == from_json
    assert sum(len(s.lesion_measurements) for s in from_csv.subjects) > len(from_csv.subjects)  # reads came through


@pytest.mark.parametrize(("trial", "screened"), [("NCT07077564", 54), ("NCT07520357", 44)])
def test_shipped_csv_files_are_the_json_examples(trial: str, screened: int) -> None:
    """examples/analysis/NCT….csv and .lesions.csv are generate.py's CSV form of the JSON
    (rerun generate.py if not); loaded with the documented --screened, they are equal."""
    from_json = load_trial_dataset(EXAMPLES / f"{trial}.json")
    assert from_json.screened == screened  # the count docs/analysis.md gives beside the files
    written = trial_dataset_to_csv(from_json)
    assert (EXAMPLES / f"{trial}.csv").read_text(encoding="utf-8") == written.assessments
    assert (EXAMPLES / f"{trial}.lesions.csv").read_text(encoding="utf-8") == written.lesions
    loaded = load_trial_dataset(
        EXAMPLES / f"{trial}.csv", trial_id=trial, lesions=EXAMPLES / f"{trial}.lesions.csv", screened=screened
    )
    assert loaded == from_json


def test_without_lesions_or_screened_the_csv_has_neither() -> None:
    loaded = load_trial_dataset(EXAMPLES / "NCT07520357.csv", trial_id="NCT07520357")
    assert loaded.screened is None
    assert all(s.lesion_measurements == () for s in loaded.subjects)


def test_csv_groups_rows_by_subject(tmp_path: Path) -> None:
    header = ",".join(CSV_COLUMNS)
    base = "001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,2026-08-01"
    text = "\n".join([header, f"{base},2026-03-02,PR", f"{base},2026-07-01,PD", "002,2026-02-01,,,,2026-09-01,,,,,"])
    path = tmp_path / "trial.csv"
    path.write_text(text + "\n", encoding="utf-8")
    dataset = load_trial_dataset(path, trial_id="T")
    assert [len(s.assessments) for s in dataset.subjects] == [2, 0]
    assert dataset.subjects[0] == TrialDataset.model_validate({"trial_id": "T", "subjects": [subject()]}).subjects[0]


def test_byte_order_mark_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    header = ",".join([*CSV_COLUMNS, "redcap_event_name"])
    path = tmp_path / "trial.csv"
    path.write_text(f"\ufeff{header}\n001,2026-01-05,,,,2026-09-01,,,,,,screening_arm_1\n", encoding="utf-8")
    assert load_trial_dataset(path, trial_id="T").subjects[0].subject_id == "001"


def test_csv_needs_a_trial_id(tmp_path: Path) -> None:
    path = tmp_path / "trial.csv"
    path.write_text(",".join(CSV_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="needs a trial id"):
        load_trial_dataset(path)


def test_lesions_and_screened_go_with_a_csv_dataset_only() -> None:
    with pytest.raises(AnalysisError, match="go with a CSV dataset") as raised:
        load_trial_dataset(EXAMPLES / "NCT07520357.json", screened=50)
    assert "lesion_measurements" in (raised.value.fix or "")


def test_missing_lesions_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match=r"nope\.csv: cannot read") as raised:
        load_trial_dataset(EXAMPLES / "NCT07520357.csv", trial_id="NCT07520357", lesions=tmp_path / "nope.csv")
    assert raised.value.fix == "check the lesions file path"


# Bad input: one subject (001, first dose 2026-01-07, responses on 2026-03-02 and
# 2026-07-01) and its lesion reads, each case changing one thing.
ASSESSMENTS = "\n".join(
    [
        ",".join(CSV_COLUMNS),
        "001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-03-02,PR",
        "001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-07-01,PD",
    ]
)
LESIONS = [
    ",".join(LESION_CSV_COLUMNS),
    "001,2026-01-02,baseline,T1,liver,target,false,40,,",
    "001,2026-01-02,baseline,N1,bone,non_target,,,present,",
    "001,2026-03-02,week 8,T1,liver,target,false,20,,",
    "001,2026-07-01,week 24,T1,liver,target,false,30,,",
    "001,2026-07-01,week 24,,lung,new,,,,true",
]


def lesions_with(line: int, row: str | None = None, *, header: str | None = None) -> str:
    """LESIONS with CSV line `line` (2 = first row) replaced by `row`, or the header replaced."""
    rows = list(LESIONS)
    if row is not None:
        rows[line - 1] = row
    if header is not None:
        rows[0] = header
    return "\n".join(rows) + "\n"


def read(assessments: str = ASSESSMENTS, lesions: str | None = None, screened: int | None = None) -> TrialDataset:
    return trial_dataset_from_csv(
        assessments, trial_id="T", source="trial.csv", lesions=lesions, lesions_source="lesions.csv", screened=screened
    )


def test_the_valid_input_reads() -> None:
    (subject_read,) = read(lesions=lesions_with(2), screened=3).subjects
    baseline, week8, week24 = subject_read.lesion_measurements
    assert (baseline.visit, len(baseline.lesions), week8.lesions[0].diameter_mm) == ("baseline", 2, 20)
    assert week24.new_lesions[0].site == "lung"
    assert week24.new_lesions[0].equivocal


@pytest.mark.parametrize(
    ("lesions", "where", "fix"),
    [
        (
            lesions_with(4, "009,2026-03-02,week 8,T1,liver,target,false,20,,"),
            "lesions.csv line 4, column subject_id: subject '009' is not in trial.csv",
            "add the subject to trial.csv",
        ),
        (
            lesions_with(4, "001,2026-03-02,week 8,T1,liver,target,false,twenty,,"),
            "lesions.csv line 4, column diameter_mm: 'twenty' is not a diameter in mm",
            "number of millimetres alone",
        ),
        (
            lesions_with(4, "001,2026-03-02,week 8,T1,liver,target,false,2.0 cm,,"),
            "line 4, column diameter_mm: '2.0 cm'",
            "1 cm = 10 mm",
        ),
        (lesions_with(4, '001,2026-03-02,week 8,T1,liver,target,false,"20,5",,'), "line 4, column diameter_mm", "23.5"),
        (lesions_with(4, "001,2026-03-02,week 8,T1,liver,target,false,-2,,"), "line 4, column diameter_mm", "negative"),
        (
            lesions_with(1, header=",".join(LESION_CSV_COLUMNS).replace("diameter_mm", "diameter_cm")),
            "lesions.csv line 1, column diameter_cm: diameters are read in millimetres",
            "name the column diameter_mm",
        ),
        (
            lesions_with(1, header=",".join(LESION_CSV_COLUMNS).replace(",visit", "")),
            "lesions.csv line 1: missing column(s) visit",
            "subject_id,assessment_date,visit,",
        ),
        (
            lesions_with(4, "001,02/03/2026,week 8,T1,liver,target,false,20,,"),
            "line 4, column assessment_date",
            "YYYY-MM-DD",
        ),
        (
            lesions_with(4, "001,2026-02-30,week 8,T1,liver,target,false,20,,"),
            "line 4, column assessment_date",
            "YYYY-MM-DD",
        ),
        (
            lesions_with(4, "001,2026-03-02,week 8,T1,liver,tumour,false,20,,"),
            "line 4, column kind",
            "target, non_target or new",
        ),
        (
            lesions_with(4, "001,2026-03-02,week 8,T1,liver,target,maybe,20,,"),
            "line 4, column lymph_node",
            "true or false",
        ),
        (
            lesions_with(3, "001,2026-01-02,baseline,N1,bone,non_target,,,gone,"),
            "line 3, column status: Input should be",
            "permitted values",
        ),
        (lesions_with(4, "001,2026-03-02,week 8,T1,liver,target,false,20,present,"), "line 4, column status", ""),
        (lesions_with(6, "001,2026-07-01,week 24,,lung,new,,12,,true"), "line 6, column diameter_mm", "a new lesion"),
        (
            lesions_with(4, "001,2026-03-02,week 9,T1,liver,target,false,20,,")
            + "001,2026-03-02,week 8,T2,lung,target,,9,,",
            "line 7, column visit: 'week 8' differs from 'week 9' on lesions.csv line 4",
            "one visit label",
        ),
        (
            lesions_with(2) + "001,2026-03-02,week 8,T1,liver,target,false,21,,",
            "line 7, column lesion_id: lesion 'T1' is read twice on 2026-03-02 (lesions.csv line 4)",
            "keep one row",
        ),
        (
            lesions_with(4, "001,2026-03-09,week 8,T1,liver,target,false,20,,"),
            "lesions.csv line 4, column assessment_date: subject 001: the read of 2026-03-09 has no time-point "
            "response in trial.csv",
            "add the response of 2026-03-09 to trial.csv",
        ),
    ],
)
def test_bad_lesion_rows_name_file_line_column_and_fix(lesions: str, where: str, fix: str) -> None:
    with pytest.raises(AnalysisError) as raised:
        read(lesions=lesions)
    assert where in raised.value.message
    assert fix in (raised.value.fix or "")


@pytest.mark.parametrize(
    ("row", "where", "fix"),
    [
        ("001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-07-01,MR", "column response", "CR, PR"),
        ("001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-07-01,", "column response", ""),
        ("001,2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,,PD", "column assessment_date", ""),
        ("001,2026-01-05,2026-01-07,2026-06-31,,2026-09-01,2026-07-02,progression,,2026-07-01,PD", "column last_dose_date", "YYYY-MM-DD"),
        ("001,2026-01-06,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-07-01,PD", "column enrolment_date: subject 001: '2026-01-06' differs from '2026-01-05' on its first row (trial.csv line 2)", "same subject values"),
        (",2026-01-05,2026-01-07,2026-06-30,,2026-09-01,2026-07-02,progression,,2026-07-01,PD", "column subject_id: empty", ""),
        ("001,2026-01-05,2026-01-07,2026-06-30,,,2026-07-02,progression,,2026-07-01,PD", "column last_known_alive_date: empty", ""),
    ],
)  # fmt: skip
def test_bad_assessment_rows_name_file_line_column_and_fix(row: str, where: str, fix: str) -> None:
    text = "\n".join([*ASSESSMENTS.splitlines()[:2], row])
    with pytest.raises(AnalysisError) as raised:
        read(text)
    assert raised.value.message.startswith("trial.csv line 3, ")
    assert where in raised.value.message
    assert fix in (raised.value.fix or "")


def test_a_rule_across_fields_names_the_subjects_first_line() -> None:
    text = "\n".join([",".join(CSV_COLUMNS), "001,2026-01-05,,,2025-12-01,2025-12-01,,,,,"])
    with pytest.raises(AnalysisError, match=r"trial\.csv line 2: subject 001: .*before enrolment_date"):
        read(text)


def test_screened_below_enrolled_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="screened is 0 but 1 subjects"):
        read(screened=0)


def test_a_read_without_lesions_round_trips() -> None:
    dataset = read(lesions=lesions_with(4, "001,2026-03-02,week 8,,,,,,,"))
    assert dataset.subjects[0].lesion_measurements[1].lesions == ()
    written = trial_dataset_to_csv(dataset)
    again = read(written.assessments, written.lesions)
    assert again == dataset
