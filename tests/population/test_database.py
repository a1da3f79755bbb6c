"""Facts databases: a directory opened once and kept as a DuckDB file screens exactly as
the directory does, records how it was opened, and is refused — with the command that
rebuilds it — when the knowledge base or the schema it was derived with has changed; a
failed open leaves an earlier database as it was."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from tests.population.test_store import _copy, _edit, _set
from trialdesk.cli import app
from trialdesk.knowledge.base import DATA_DIR, Knowledge, load_knowledge
from trialdesk.population.commands import compile_all, open_engine, prescreen_population
from trialdesk.population.database import META, connect_database, read_info, save_database
from trialdesk.population.facts import FactsError
from trialdesk.population.store import disk_columns
from trialdesk.population.synth import synthesize
from trialdesk.protocol.load import LoadedProtocol

AS_OF = date(2026, 11, 20)
PATIENTS = 150
runner = CliRunner()


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    directory = tmp_path_factory.mktemp("facts")
    synthesize(PATIENTS, 5, directory, AS_OF, knowledge)
    return directory


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, facts: Path, knowledge: Knowledge) -> Path:
    path = tmp_path_factory.mktemp("db") / "facts.duckdb"
    save_database(facts, knowledge, path)
    return path


def _rows(source: Path, knowledge: Knowledge, protocols: dict[str, LoadedProtocol]) -> dict[str, pa.Table]:
    chosen = list(protocols.values())
    engine = open_engine("duckdb", source, knowledge)
    try:
        runs = prescreen_population(engine, chosen, compile_all(chosen, knowledge), "duckdb")
    finally:
        engine.close()
    return {run.protocol.id: run.rows for run in runs}


def test_a_database_screens_exactly_as_its_facts_directory(
    facts: Path, database: Path, knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    from_directory = _rows(facts, knowledge, protocols)
    from_database = _rows(database, knowledge, protocols)
    assert set(from_database) == set(protocols)
    for trial, rows in from_database.items():
        assert rows.num_rows == PATIENTS
        assert rows.equals(from_directory[trial]), trial
        ids = rows.column("patient_id").to_pylist()
        assert ids == sorted(ids)  # ordered by id (by the key dense in id order)


def test_the_database_records_how_it_was_opened(facts: Path, database: Path, knowledge: Knowledge) -> None:
    with duckdb.connect(str(database), read_only=True) as con:
        info = read_info(con, database)
    assert info.patients == PATIENTS
    assert info.knowledge == knowledge.fingerprint
    assert info.source == str(facts.resolve())


def test_screening_never_writes_the_database(
    database: Path, knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    before = database.read_bytes()
    _rows(database, knowledge, protocols)
    assert database.read_bytes() == before


def test_a_database_from_another_knowledge_base_is_refused(database: Path, knowledge: Knowledge) -> None:
    edited = dataclasses.replace(knowledge, fingerprint="0" * 16)
    with pytest.raises(FactsError) as caught:
        connect_database(database, edited)
    message = str(caught.value)
    assert "another knowledge base" in message
    assert f"trialdesk population open FACTS_DIR -o {database}" in message


def test_a_database_from_another_schema_is_refused(database: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    older = tmp_path / "older.duckdb"
    shutil.copy(database, older)
    with duckdb.connect(str(older)) as con:
        con.execute(f"UPDATE {META} SET schema = 'an-older-schema'")
    with pytest.raises(FactsError, match="another facts schema"):
        connect_database(older, knowledge)


def test_a_duckdb_file_without_the_record_is_not_a_facts_database(knowledge: Knowledge, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE patients (patient_id VARCHAR)")
    with pytest.raises(FactsError, match="not a trialdesk facts database"):
        connect_database(other, knowledge)


def test_a_file_that_is_not_duckdb_and_a_missing_file_are_refused(knowledge: Knowledge, tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n")
    with pytest.raises(FactsError, match="not a DuckDB database"):
        connect_database(text, knowledge)
    with pytest.raises(FactsError, match="no such file"):
        connect_database(tmp_path / "missing.duckdb", knowledge)


def test_a_failed_open_keeps_the_earlier_database(
    facts: Path, database: Path, knowledge: Knowledge, tmp_path: Path
) -> None:
    kept = tmp_path / "kept.duckdb"
    shutil.copy(database, kept)
    bad = _copy(facts, tmp_path)
    _edit(bad, "observations", _set("code", 0, "not_a_lab"))
    with pytest.raises(FactsError, match=r"observations\.parquet"):
        save_database(bad, knowledge, kept)
    with connect_database(kept, knowledge) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchall() == [(PATIENTS,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts", "kept.duckdb"]


def test_only_a_duckdb_file_name_is_written(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    with pytest.raises(FactsError, match=r"not a \.duckdb file name"):
        save_database(facts, knowledge, tmp_path / "facts.db")
    assert list(tmp_path.iterdir()) == []


def test_the_knowledge_fingerprint_follows_the_files(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    assert load_knowledge(copy).fingerprint == load_knowledge().fingerprint
    with (copy / "labs.yaml").open("a", encoding="utf-8") as labs:
        labs.write("\n# a local edit\n")
    assert load_knowledge(copy).fingerprint != load_knowledge().fingerprint


def test_the_cli_opens_once_and_prescreens_the_database(facts: Path, tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    opened = runner.invoke(app, ["population", "open", str(facts), "-o", str(path), "--format", "json"])
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["patients"] == PATIENTS
    screened = runner.invoke(app, ["prescreen", str(path), "--all", "--format", "json"])
    assert screened.exit_code == 0, screened.output
    assert [f["total"] for f in json.loads(screened.stdout)] == [PATIENTS, PATIENTS]
    refused = runner.invoke(app, ["prescreen", str(tmp_path / "missing.duckdb"), "--all"])
    assert refused.exit_code != 0
    assert "trialdesk population open" in refused.output
    assert "Traceback" not in refused.output


def test_a_database_another_process_writes_is_refused_as_such(
    database: Path, knowledge: Knowledge, tmp_path: Path
) -> None:
    busy = tmp_path / "busy.duckdb"
    shutil.copy(database, busy)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(busy)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(FactsError, match="another process has the database open for writing"):
            connect_database(busy, knowledge)
    finally:
        writer.kill()
        writer.wait()


def test_opening_reports_each_table(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    heard: list[str] = []
    save_database(facts, knowledge, tmp_path / "f.duckdb", progress=heard.append)
    assert heard == ["patients", *(t for t in disk_columns() if t != "patients"), "agents"]
