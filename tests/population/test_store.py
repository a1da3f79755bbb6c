"""The facts store: records exported then opened give the same tables; observations are
converted to canonical units in SQL; bad files are refused naming file, row and column."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.population.test_differential import _reference_screenings
from trialdesk.knowledge.base import Knowledge
from trialdesk.population.facts import FactsError, export_parquet, load_duckdb, table_columns
from trialdesk.population.store import ADDED_COLUMNS, open_facts
from trialdesk.population.synth import synthesize

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    directory = tmp_path_factory.mktemp("facts")
    synthesize(60, 11, directory, AS_OF, knowledge)
    return directory


def _copy(facts: Path, tmp_path: Path) -> Path:
    target = tmp_path / "facts"
    shutil.copytree(facts, target)
    return target


def _edit(directory: Path, table: str, change: Callable[[pa.Table], pa.Table]) -> None:
    path = directory / f"{table}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def _set(column: str, row: int, value: Any) -> Callable[[pa.Table], pa.Table]:
    def change(table: pa.Table) -> pa.Table:
        values = table.column(column).to_pylist()
        values[row] = value
        index = table.schema.get_field_index(column)
        return table.set_column(index, table.field(column), pa.array(values, table.field(column).type))

    return change


def _row_of(directory: Path, table: str, column: str, value: Any) -> int:
    return int(pq.read_table(directory / f"{table}.parquet").column(column).to_pylist().index(value))


def test_every_row_carries_its_patients_surrogate_key(facts: Path, knowledge: Knowledge) -> None:
    """One key per patient, dense from 1 in id order, and every row of every table carries
    the key of the patient its id names: the compiled SQL joins on the key alone."""
    con = open_facts(facts, knowledge)
    patients = con.execute("SELECT patient_id, patient_key FROM patients ORDER BY patient_id").fetchall()
    assert [key for _, key in patients] == list(range(1, len(patients) + 1))
    for table in table_columns():
        mismatched = con.execute(
            f'SELECT count(*) FROM "{table}" t LEFT JOIN patients p ON p.patient_id = t.patient_id '
            "WHERE p.patient_key IS DISTINCT FROM t.patient_key"
        ).fetchall()[0][0]
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        assert mismatched == 0, table
        assert rows > 0 or table in ("specimens", "adverse_events"), f"{table} is empty: the check proves nothing"


def test_records_exported_then_opened_give_the_same_tables(
    base_record: dict[str, Any], knowledge: Knowledge, tmp_path: Path
) -> None:
    screenings = _reference_screenings(base_record, knowledge)
    loaded = load_duckdb(screenings, knowledge)
    export_parquet(loaded, tmp_path, knowledge)
    opened = open_facts(tmp_path, knowledge)
    for table, columns in table_columns().items():
        order = ", ".join(f'"{c}"' for c in columns)
        expected = loaded.execute(f'SELECT {order} FROM "{table}" ORDER BY ALL').fetchall()
        assert opened.execute(f'SELECT {order} FROM "{table}" ORDER BY ALL').fetchall() == expected, table
        assert expected or table in ("agents",), f"{table} is empty: the round trip proves nothing"


def test_observations_are_converted_to_the_canonical_unit_in_sql(facts: Path, knowledge: Knowledge) -> None:
    # labs.yaml: 1 g/dL = 10 g/L (haemoglobin); 1 mg/dL creatinine = 88.4 µmol/L (AMA SI table)
    con = open_facts(facts, knowledge)
    raw = f"read_parquet('{(facts / 'observations.parquet').as_posix()}')"
    for unit, code, factor in (("g/dL", "hemoglobin", "10"), ("mg/dL", "creatinine", "88.4")):
        pairs = con.execute(
            f"""SELECT CAST(r.value AS DECIMAL(38,12)) * {factor}, o.value,
                       CAST(r.reference_high AS DECIMAL(38,12)) * {factor}, o.uln
                FROM {raw} r JOIN observations o USING (patient_id, idx)
                WHERE r.unit = '{unit}' AND o.code = '{code}' AND r.reference_unit IS NULL"""
        ).fetchall()
        assert pairs, f"no {code} in {unit} drawn"
        for value, canonical, high, uln in pairs:
            assert canonical == value
            assert uln == high


def test_a_missing_file_is_an_empty_table(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    (directory / "vaccinations.parquet").unlink()
    con = open_facts(directory, knowledge)
    assert con.execute("SELECT count(*) FROM vaccinations").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM patients").fetchall() == [(60,)]


def _refused(directory: Path, knowledge: Knowledge, *needles: str) -> str:
    with pytest.raises(FactsError) as caught:
        open_facts(directory, knowledge)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert "fix:" in message
    return message


def test_unknown_lab_code_names_file_row_and_column(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    _edit(directory, "observations", _set("code", 4, "ldh"))
    _refused(directory, knowledge, "observations.parquet", "row 5", "column code", "unknown lab code 'ldh'")


def test_unknown_unit_is_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    row = _row_of(directory, "observations", "code", "hemoglobin")
    _edit(directory, "observations", _set("unit", row, "mg/mL/s"))
    _refused(
        directory, knowledge, "observations.parquet", f"row {row + 1}", "column unit", "'mg/mL/s' does not convert"
    )


def test_a_negative_count_is_impossible(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    # labs.yaml: plausible ANC 0-200 × 10^9/L
    directory = _copy(facts, tmp_path)
    row = _row_of(directory, "observations", "code", "anc")
    _edit(directory, "observations", _set("value", row, -1.5))
    _refused(directory, knowledge, f"row {row + 1}", "column value", "impossible")


def test_a_date_after_the_as_of_date_is_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    _edit(directory, "diagnoses", _set("diagnosed_on", 2, date(2027, 1, 1)))
    _refused(
        directory, knowledge, "diagnoses.parquet", "row 3", "column diagnosed_on", "after the patient's as-of date"
    )


def test_unknown_histology_and_site_codes_are_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    _edit(directory, "diagnoses", _set("histology", 0, "carcinoid_tumour"))
    _refused(directory, knowledge, "diagnoses.parquet", "row 1", "column histology", "unknown histology code")
    directory = _copy(facts, tmp_path / "again")
    _edit(directory, "metastases", _set("site", 1, "spleen"))
    _refused(directory, knowledge, "metastases.parquet", "row 2", "column site", "unknown sites code 'spleen'")


def test_wrong_column_type_is_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)

    def as_text(table: pa.Table) -> pa.Table:
        index = table.schema.get_field_index("value")
        return table.set_column(index, "value", table.column("value").cast(pa.string()))

    _edit(directory, "observations", as_text)
    _refused(directory, knowledge, "observations.parquet", "column value", "VARCHAR", "row ")


def test_missing_and_extra_columns_are_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    _edit(directory, "lesions", lambda t: t.drop_columns(["measured_on"]))
    _refused(directory, knowledge, "lesions.parquet", "missing column(s) measured_on")
    directory = _copy(facts, tmp_path / "again")
    _edit(directory, "lesions", lambda t: t.append_column("measurable", pa.array([True] * t.num_rows)))
    _refused(directory, knowledge, "lesions.parquet", "unexpected column(s) measurable")


def test_a_row_of_an_unknown_patient_is_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    _edit(directory, "therapies", _set("patient_id", 0, "NOBODY"))
    _refused(directory, knowledge, "therapies.parquet", "row 1", "column patient_id", "'NOBODY' is not in patients")


def test_a_file_that_is_not_a_table_is_refused(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    directory = _copy(facts, tmp_path)
    shutil.copy(directory / "history.parquet", directory / "conditions.parquet")
    _refused(directory, knowledge, "unknown table file(s) conditions.parquet")


def test_an_optional_field_missing_from_older_facts_reads_as_empty(
    facts: Path, knowledge: Knowledge, tmp_path: Path
) -> None:
    """Facts written before `TherapyLine.progression_evidence` and `radiological_progression`
    existed still open: both fields are optional and empty by default in the record model,
    so a file without them reads as records without them would (NULL), and every other
    column is read as before."""
    directory = _copy(facts, tmp_path)
    new_fields = list(ADDED_COLUMNS["therapies"])
    assert new_fields == ["progression_evidence", "radiological_progression"]
    _edit(directory, "therapies", lambda t: t.drop_columns(new_fields))
    older = open_facts(directory, knowledge)
    current = open_facts(facts, knowledge)
    query = "SELECT * EXCLUDE ({}) FROM therapies ORDER BY patient_key, item_index"
    kept = query.format(", ".join(new_fields))
    assert older.execute(kept).fetchall() == current.execute(kept).fetchall()
    stated = " OR ".join(f"{c} IS NOT NULL" for c in new_fields)
    assert older.execute(f"SELECT count(*) FROM therapies WHERE {stated}").fetchall() == [(0,)]
    assert older.execute("SELECT count(*) FROM therapies").fetchall()[0][0] > 0
