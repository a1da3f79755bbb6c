"""The engines: facts load into DuckDB, PostgreSQL and Spark with the same values, and the
compiled protocols printed in each engine's dialect give the Python screener's verdicts,
statuses and earliest eligible dates for every record built from the reference screening
cases (tests/reference/screening/*.yaml), as test_differential checks on DuckDB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
from sqlglot import exp, parse_one

from tests.population.test_differential import _reference_screenings
from trialdesk.knowledge.base import Knowledge
from trialdesk.population.engines import (
    DuckDBEngine,
    Engine,
    EngineError,
    PostgresEngine,
    SparkEngine,
    engine_type,
    run_prescreen,
    write_parquet,
)
from trialdesk.population.facts import Screening, load_duckdb, table_columns
from trialdesk.population.prescreen import compile_protocol
from trialdesk.population.staging import stage_ctes
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TRIALS = ("NCT07077564", "NCT07520357")


# -- the facts, loaded once ---------------------------------------------------------------
@pytest.fixture(scope="module")
def screenings(base_record: dict[str, Any], knowledge: Knowledge) -> list[Screening]:
    return _reference_screenings(base_record, knowledge)


@pytest.fixture(scope="module")
def facts(screenings: list[Screening], knowledge: Knowledge) -> duckdb.DuckDBPyConnection:
    return load_duckdb(screenings, knowledge)


@pytest.fixture(scope="module")
def parquet_dir(facts: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("facts")
    write_parquet(facts, directory)
    return directory


@pytest.fixture(scope="module")
def bucketed_dir(facts: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bucketed")
    write_parquet(facts, directory, buckets=4)
    return directory


@pytest.fixture(scope="module")
def postgres(postgres_url: str, facts: duckdb.DuckDBPyConnection) -> Iterator[PostgresEngine]:
    started = time.perf_counter()
    with PostgresEngine.connect(postgres_url) as engine:
        engine.load_duckdb(facts)
        print(f"\nPostgreSQL: facts loaded by COPY in {time.perf_counter() - started:.1f} s")
        yield engine


@pytest.fixture(scope="module")
def spark_engine(spark: SparkSession, parquet_dir: Path) -> SparkEngine:
    started = time.perf_counter()
    engine = SparkEngine(spark)
    engine.load_parquet(parquet_dir)
    print(f"\nSpark: facts views over Parquet in {time.perf_counter() - started:.1f} s")
    return engine


# -- types and staging, no server needed ----------------------------------------------------
@pytest.mark.parametrize(
    ("duckdb_type", "spark_type", "postgres_type"),
    [
        ("VARCHAR", "STRING", "TEXT"),
        ("BIGINT", "BIGINT", "BIGINT"),
        ("BOOLEAN", "BOOLEAN", "BOOLEAN"),
        ("DATE", "DATE", "DATE"),
        ("DECIMAL(38,12)", "DECIMAL(38, 12)", "DECIMAL(38, 12)"),
        ("DOUBLE", "DOUBLE", "DOUBLE PRECISION"),
        ("VARCHAR[]", "ARRAY<STRING>", "TEXT[]"),
    ],
)
def test_every_facts_type_has_a_spelling_in_each_engine(duckdb_type: str, spark_type: str, postgres_type: str) -> None:
    used = {t for columns in table_columns().values() for t in columns.values()}
    assert duckdb_type in used
    assert engine_type(duckdb_type, "spark") == spark_type
    assert engine_type(duckdb_type, "postgres") == postgres_type


def test_every_facts_type_is_covered_above() -> None:
    used = {t for columns in table_columns().values() for t in columns.values()}
    assert used == {"VARCHAR", "BIGINT", "BOOLEAN", "DATE", "DECIMAL(38,12)", "DOUBLE", "VARCHAR[]"}


STAGED = """
WITH base AS (SELECT x, x * 2 AS y FROM (VALUES (1), (2), (3), (4)) AS t(x)),
     small AS (SELECT x FROM base WHERE x > 1),
     once AS (SELECT max(y) AS m FROM base)
SELECT s1.x, s2.x AS x2, once.m FROM small AS s1 JOIN small AS s2 ON s1.x = s2.x CROSS JOIN once ORDER BY 1
"""


def test_staged_ctes_give_the_statements_result() -> None:
    statement = parse_one(STAGED, read="duckdb")
    assert isinstance(statement, exp.Query)
    stages, final = stage_ctes(statement, budget=0)
    # read twice: `base` (by small and once) and `small` (by the body); `once` stays inline
    assert [s.name for s in stages] == ["base", "small"]
    con = duckdb.connect()
    for stage in stages:
        con.execute(f"CREATE TEMP TABLE {stage.name} AS {stage.statement.sql('duckdb')}")
    assert con.execute(final.sql("duckdb")).fetchall() == duckdb.connect().execute(STAGED).fetchall()


def test_small_ctes_stay_inline() -> None:
    statement = parse_one(STAGED, read="duckdb")
    assert isinstance(statement, exp.Query)
    stages, final = stage_ctes(statement)
    assert stages == []
    assert final.sql() == statement.sql()


def test_a_missing_parquet_file_is_named(tmp_path: Path) -> None:
    with DuckDBEngine() as engine, pytest.raises(EngineError, match=r"no .*patients\.parquet"):
        engine.load_parquet(tmp_path)


# -- the same values from every engine ------------------------------------------------------
def _table_rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    columns = ", ".join(exp.to_identifier(c, quoted=True).sql(engine.dialect) for c in table_columns()[table])
    return sorted(engine.query(f"SELECT {columns} FROM {table}"), key=repr)


def _assert_same_facts(engine: Engine, facts: duckdb.DuckDBPyConnection) -> None:
    reference = DuckDBEngine(facts)
    for table in table_columns():
        assert _table_rows(engine, table) == _table_rows(reference, table), table


def _load(engine: Engine, source: str, facts: duckdb.DuckDBPyConnection, directories: dict[str, Path]) -> None:
    if source == "duckdb":
        engine.load_duckdb(facts)
    else:
        engine.load_parquet(directories[source])


SOURCES = ["duckdb", "parquet", "bucketed"]


@pytest.fixture(scope="module")
def directories(parquet_dir: Path, bucketed_dir: Path) -> dict[str, Path]:
    return {"parquet": parquet_dir, "bucketed": bucketed_dir}


@pytest.mark.parametrize("source", SOURCES)
def test_postgres_loads_the_facts_values(
    source: str, postgres_url: str, facts: duckdb.DuckDBPyConnection, directories: dict[str, Path]
) -> None:
    with PostgresEngine.connect(postgres_url) as engine:
        _load(engine, source, facts, directories)
        _assert_same_facts(engine, facts)


# the plain Parquet files are what the Spark differential tests below read
@pytest.mark.parametrize("source", ["duckdb", "bucketed"])
def test_spark_loads_the_facts_values(
    source: str, spark: SparkSession, facts: duckdb.DuckDBPyConnection, directories: dict[str, Path]
) -> None:
    # a session of its own: temporary views are per session
    engine = SparkEngine(spark.newSession())
    _load(engine, source, facts, directories)
    _assert_same_facts(engine, facts)


@pytest.mark.parametrize("source", SOURCES)
def test_duckdb_loads_the_facts_values(
    source: str, facts: duckdb.DuckDBPyConnection, directories: dict[str, Path]
) -> None:
    with DuckDBEngine() as engine:
        _load(engine, source, facts, directories)
        _assert_same_facts(engine, facts)


# -- evaluate ≡ compile on each engine -------------------------------------------------------
@pytest.fixture(scope="module")
def screened(
    screenings: list[Screening], protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> dict[str, dict[str, dict[str, Any]]]:
    """trial → patient → column → the Python screener's value (verdicts, status, earliest
    eligible date), computed once for every engine."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for trial in TRIALS:
        protocol = protocols[trial]
        screener = Screener(protocol, knowledge)
        rows = out.setdefault(trial, {})
        for s in screenings:
            memo: dict[Any, Any] = {}
            results = [screener.criterion(pc, s.view, s.as_of, s.first_dose, None, memo) for pc in protocol.criteria]
            verdicts = {r.verdict for r in results}
            rows[s.view.patient.id] = {
                **{r.id: r.verdict for r in results},
                "status": "ineligible"
                if "fail" in verdicts
                else ("undetermined" if "unknown" in verdicts else "eligible"),
                "earliest_eligible": screener.earliest_eligible(s.view, s.as_of, s.first_dose, results),
            }
    return out


def _differential(
    engine: Engine,
    trial: str,
    protocols: dict[str, LoadedProtocol],
    knowledge: Knowledge,
    screened: dict[str, dict[str, dict[str, Any]]],
) -> None:
    compiled = compile_protocol(protocols[trial], knowledge)
    started = time.perf_counter()
    rows = run_prescreen(engine, compiled)
    elapsed = time.perf_counter() - started
    expected = screened[trial]
    assert sorted(r["patient_id"] for r in rows) == sorted(expected)
    mismatches = [
        f"{trial} {column} for {row['patient_id']}: {engine.dialect} {row[column]!r}, "
        f"Python {expected[row['patient_id']][column]!r}"
        for row in rows
        for column in compiled.columns[1:]
        if row[column] != expected[row["patient_id"]][column]
    ]
    print(
        f"\n{trial} on {engine.dialect}: {len(rows)} records × {len(compiled.columns) - 1} columns in {elapsed:.1f} s"
    )
    assert not mismatches, "\n".join(mismatches[:50])


@pytest.mark.parametrize("trial", TRIALS)
@pytest.mark.parametrize("engine", ["postgres", "spark_engine"])
def test_engine_gives_the_screeners_verdicts(
    engine: str,
    trial: str,
    request: pytest.FixtureRequest,
    protocols: dict[str, LoadedProtocol],
    knowledge: Knowledge,
    screened: dict[str, dict[str, dict[str, Any]]],
) -> None:
    _differential(request.getfixturevalue(engine), trial, protocols, knowledge, screened)
