"""Lab files: the shipped JSON and CSV examples grade end to end; bad rows name row and field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from trialdesk.ctcae import (
    CtcaeCriteria,
    grade_labs,
    lab_file_json_schema,
    labs_from_data,
    load_lab_file,
    worst_grades,
)
from trialdesk.errors import CtcaeError
from trialdesk.knowledge.base import Knowledge

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ctcae"


def _grades(path: Path, knowledge: Knowledge, criteria: CtcaeCriteria) -> dict[tuple[str, str, str], int]:
    results = grade_labs(load_lab_file(path), knowledge, criteria)
    return {(r.subject_id, r.date.isoformat(), r.term): r.grade for r in results}


def test_json_example(knowledge: Knowledge, criteria: CtcaeCriteria) -> None:
    """Expected grades read off the CTCAE v5.0 tables for each example row."""
    grades = _grades(EXAMPLES / "labs.json", knowledge, criteria)
    assert grades == {
        ("S01", "2026-02-02", "Neutrophil count decreased"): 3,  # 0.9 ×10⁹/L: <1.0–0.5
        ("S01", "2026-02-02", "Platelet count decreased"): 2,  # 68: <75–50
        ("S01", "2026-02-02", "Anemia"): 2,  # 9.4 g/dL: <10.0–8.0
        ("S01", "2026-02-02", "Alanine aminotransferase increased"): 1,  # 112 = 2.8 × ULN 40
        ("S01", "2026-02-02", "Hypocalcemia"): 0,  # 2.05 mmol/L, albumin 28 g/L → 2.29 corrected
        ("S01", "2026-02-02", "Hypercalcemia"): 0,
        ("S01", "2026-02-02", "INR increased"): 1,  # anticoagulated: 3.4 = 1.36 × baseline 2.5
        ("S01", "2026-02-16", "Neutrophil count decreased"): 4,  # 400/µL: <500/mm³
        ("S02", "2026-02-09", "Alanine aminotransferase increased"): 2,  # 210 = 3.5 × abnormal baseline 60
        ("S02", "2026-02-09", "Blood bilirubin increased"): 2,  # 45 = 2.14 × ULN 21
        ("S02", "2026-02-09", "Creatinine increased"): 2,  # 1.9 = 1.58 × ULN, 2.4 × baseline
        ("S02", "2026-02-09", "Hypokalemia"): 1,  # 3.2: <LLN–3.0 (grade 2 if symptomatic)
        ("S02", "2026-02-09", "Hyperkalemia"): 0,
        ("S02", "2026-02-09", "Hyponatremia"): 2,  # 127: 125–129 (grade 3 if symptomatic)
        ("S02", "2026-02-09", "Hypernatremia"): 0,
    }


def test_csv_example(knowledge: Knowledge, criteria: CtcaeCriteria) -> None:
    grades = _grades(EXAMPLES / "labs.csv", knowledge, criteria)
    assert grades[("S01", "2026-02-02", "Neutrophil count decreased")] == 3  # 900/µL: <1000–500/mm³
    assert grades[("S01", "2026-02-02", "Anemia")] == 2  # 94 g/L: <100–80 g/L
    assert grades[("S01", "2026-02-02", "Hypocalcemia")] == 0  # 8.2 mg/dL, albumin 2.8 → 9.16
    assert grades[("S02", "2026-02-09", "Aspartate aminotransferase increased")] == 2  # 190 = 3.45 × baseline 55
    assert grades[("S02", "2026-02-09", "Blood bilirubin increased")] == 2  # 2.6 mg/dL vs ULN 21 µmol/L = 1.23
    assert grades[("S02", "2026-02-09", "Creatinine increased")] == 2  # 168 = 2.7 × baseline 62
    assert grades[("S02", "2026-02-09", "INR increased")] == 1  # 1.4: >1.2–1.5
    assert grades[("S02", "2026-02-09", "Hypoalbuminemia")] == 2  # 2.4 g/dL: <3–2
    assert grades[("S02", "2026-02-09", "Hyperkalemia")] == 3  # 6.3: >6.0–7.0


def test_example_worst_grades(knowledge: Knowledge, criteria: CtcaeCriteria) -> None:
    results = grade_labs(load_lab_file(EXAMPLES / "labs.json"), knowledge, criteria)
    worst = {(w.subject_id, w.term): w for w in worst_grades(results, date(2026, 2, 1), date(2026, 2, 28))}
    neutrophils = worst[("S01", "Neutrophil count decreased")]
    assert (neutrophils.grade, neutrophils.on, neutrophils.results) == (4, date(2026, 2, 16), 2)


def test_schema_example_is_current() -> None:
    """examples/ctcae/labs.schema.json is the model's JSON Schema."""
    shipped = json.loads((EXAMPLES / "labs.schema.json").read_text(encoding="utf-8"))
    assert shipped == lab_file_json_schema()
    fields = shipped["$defs"]["LabObservation"]["properties"]
    assert {"subject_id", "lab", "value", "unit", "date", "reference_low", "reference_high", "albumin_value"} <= set(
        fields
    )


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "row", "field", "line"),
    [
        ("subject_id,lab,value,unit,date\nS1,alt,30,U/L,2026-01-02\nS1,alt,abc,U/L,2026-01-03\n", 2, "value", 3),
        ("subject_id,lab,value,unit,date\nS1,alt,30,U/L,02/01/2026\n", 1, "date", 2),
        ("subject_id,lab,value,unit\nS1,alt,30,U/L\n", 1, "date", 2),
        ("subject_id,lab,value,unit,date,colour\nS1,alt,30,U/L,2026-01-02,red\n", 1, "colour", 2),
        (
            "subject_id,lab,value,unit,date,on_anticoagulation\nS1,inr,2,1,2026-01-02,maybe\n",
            1,
            "on_anticoagulation",
            2,
        ),
    ],
)
def test_csv_errors_name_row_line_and_field(tmp_path: Path, text: str, row: int, field: str, line: int) -> None:
    with pytest.raises(CtcaeError) as caught:
        load_lab_file(_csv(tmp_path, text))
    assert (caught.value.row, caught.value.field) == (row, field)
    assert f"(line {line})" in str(caught.value)


def test_csv_reads_booleans_and_empty_cells(tmp_path: Path) -> None:
    text = "subject_id,lab,value,unit,date,reference_high,on_anticoagulation,baseline_value\nS1,inr,3.0,1,2026-01-02,,yes,2.0\n"
    (row,) = load_lab_file(_csv(tmp_path, text))
    assert row.on_anticoagulation is True
    assert row.reference_high is None


@pytest.mark.parametrize(
    ("data", "field", "row"),
    [
        ([], "observations", None),
        ({"observations": []}, "observations", None),
        ({"observations": [], "version": 1}, "version", None),
        ({"observations": [{"subject_id": "S1", "lab": "alt", "value": 30, "unit": "U/L"}]}, "date", 1),
        (
            {"observations": [{"subject_id": "S1", "lab": "alt", "value": -3, "unit": "U/L", "date": "2026-01-02"}]},
            "value",
            1,
        ),
    ],
)
def test_json_errors_name_row_and_field(data: object, field: str, row: int | None) -> None:
    with pytest.raises(CtcaeError) as caught:
        labs_from_data(data, source="labs.json")
    assert (caught.value.field, caught.value.row) == (field, row)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CtcaeError, match=r"\.json or \.csv"):
        load_lab_file(tmp_path / "labs.xlsx")
    with pytest.raises(CtcaeError, match="cannot read"):
        load_lab_file(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CtcaeError, match="not valid JSON"):
        load_lab_file(bad)
