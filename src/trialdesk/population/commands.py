"""What `trialdesk prescreen` and `trialdesk population …` do, apart from printing.

A facts directory is opened (checked, converted to canonical units) into DuckDB; each
protocol is compiled once and run on the chosen engine (DuckDB in process, Spark, or a
PostgreSQL server), giving one row per patient; the funnel is counted from those rows.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from trialdesk.criteria.evaluate import Settings
from trialdesk.criteria.sql import Dates
from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.population.database import DatabaseInfo, DuckDBConfig, save_database
from trialdesk.population.funnel import Funnel, funnel
from trialdesk.population.prescreen import CompiledProtocol, compile_protocol
from trialdesk.protocol.load import LoadedProtocol

ENGINES = ("duckdb", "spark", "postgres")
_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class PrescreenError(TrialdeskError):
    """A pre-screening run cannot start (engine, options or output)."""


@dataclass(frozen=True)
class PrescreenRun:
    """One trial over the population: its rows (Arrow), funnel and timings."""

    protocol: LoadedProtocol
    compiled: CompiledProtocol
    rows: pa.Table
    funnel: Funnel
    seconds: float


def compile_all(
    protocols: Sequence[LoadedProtocol],
    knowledge: Knowledge,
    as_of: date | None = None,
    first_dose: date | None = None,
    settings: Settings | None = None,
    *,
    earliest: bool = True,
) -> list[CompiledProtocol]:
    """Each protocol as one statement; screened at `as_of` (and `first_dose`, default
    `as_of`) when given, else at the dates stored with each patient."""
    dates = Dates.literal(as_of, first_dose or as_of) if as_of is not None else None
    return [compile_protocol(p, knowledge, dates, settings, earliest=earliest) for p in protocols]


def _arrow(engine: Any, compiled: CompiledProtocol, dialect: str) -> pa.Table:
    from trialdesk.population.engines import DuckDBEngine

    if isinstance(engine, DuckDBEngine):
        return engine.arrow(compiled.stages, compiled.query)
    rows = engine.run_staged(compiled.stages, compiled.query)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in compiled.columns]
    return pa.table({name: list(values) for name, values in zip(compiled.columns, columns, strict=True)})


def duckdb_config(memory_limit: str | None = None) -> tuple[DuckDBConfig, tempfile.TemporaryDirectory[str] | None]:
    """DuckDB's configuration, held under `memory_limit` (e.g. `3GB`) when given: beyond
    it DuckDB writes its tables, hash tables and sorts to a temporary directory (returned,
    for the caller to remove) instead of growing — slower, but a population larger than
    the machine's memory is still screened."""
    if memory_limit is None:
        return {}, None
    if not _SIZE.fullmatch(memory_limit.strip()):
        raise PrescreenError(
            f"--memory-limit {memory_limit!r} is not a size", fix="give a number and a unit, e.g. 3GB or 2500MiB"
        )
    spill = tempfile.TemporaryDirectory(prefix="trialdesk-spill-")
    return {"memory_limit": memory_limit.strip(), "temp_directory": spill.name}, spill


def open_engine(
    kind: str,
    facts: Path,
    knowledge: Knowledge,
    *,
    postgres_url: str | None = None,
    spark_master: str = "local[2]",
    memory_limit: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """The engine with the facts loaded. `facts` is a facts directory, opened (checked
    and converted) by DuckDB, or a facts database (`database.save_database`) that was;
    Spark and PostgreSQL are then loaded from DuckDB. `memory_limit` bounds DuckDB
    (`duckdb_config`); `progress` hears each table of a directory as it is opened."""
    from trialdesk.population.database import facts_connection
    from trialdesk.population.engines import DuckDBEngine, PostgresEngine, SparkEngine

    if kind not in ENGINES:
        raise PrescreenError(f"--engine {kind!r} is not an engine", fix=f"one of {', '.join(ENGINES)}")
    if kind == "postgres" and not postgres_url:
        raise PrescreenError(
            "--engine postgres needs a server", fix="give --postgres-url postgresql://user@host:port/database"
        )
    import duckdb

    config, spill = duckdb_config(memory_limit)
    try:
        con = facts_connection(facts, knowledge, config, progress)
    except BaseException as error:
        if spill is not None:
            spill.cleanup()
        if isinstance(error, duckdb.OutOfMemoryException):
            raise PrescreenError(
                f"{facts}: DuckDB ran out of memory opening the facts",
                fix="raise --memory-limit (or leave it out)",
            ) from error
        raise
    if kind == "duckdb":
        return DuckDBEngine(con, owned=True, spill=spill)
    try:
        engine: Any = SparkEngine.start(spark_master) if kind == "spark" else PostgresEngine.connect(postgres_url or "")
        engine.load_duckdb(con)
    finally:
        con.close()
        if spill is not None:
            spill.cleanup()
    return engine


def prescreen_population(
    engine: Any,
    protocols: Sequence[LoadedProtocol],
    compiled: Sequence[CompiledProtocol],
    dialect: str,
    progress: Callable[[str], None] | None = None,
) -> list[PrescreenRun]:
    """Run each compiled protocol on the engine and count its funnel."""
    runs = []
    for protocol, statement in zip(protocols, compiled, strict=True):
        if progress is not None:
            progress(protocol.id)
        started = time.perf_counter()
        rows = _arrow(engine, statement, dialect)
        runs.append(PrescreenRun(protocol, statement, rows, funnel(protocol, rows), time.perf_counter() - started))
    return runs


def write_rows(runs: Sequence[PrescreenRun], output: Path) -> list[Path]:
    """One Parquet file per trial: `output` itself for one trial, else `<stem>-<trial>.parquet`."""
    if output.suffix != ".parquet":
        raise PrescreenError(f"{output}: not a .parquet file name", fix="name the output file *.parquet")
    output.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for run in runs:
        path = output if len(runs) == 1 else output.with_name(f"{output.stem}-{run.protocol.id}.parquet")
        pq.write_table(run.rows.append_column("trial", pa.array([run.protocol.id] * run.rows.num_rows)), path)
        written.append(path)
    return written


def open_database(
    directory: Path,
    knowledge: Knowledge,
    path: Path,
    memory_limit: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> DatabaseInfo:
    """`trialdesk population open`: the facts directory checked and stored as a facts
    database, under `memory_limit` when given; `progress` hears each table opened."""
    config, spill = duckdb_config(memory_limit)
    try:
        return save_database(directory, knowledge, path, config, progress)
    finally:
        if spill is not None:
            spill.cleanup()


def export_canonical(facts: Path, knowledge: Knowledge, output: Path, buckets: int | None = None) -> dict[str, Path]:
    """`trialdesk population export`: the canonical facts tables (canonical units, derived
    attributes, surrogate keys) as Parquet, the layout Spark executors read from shared
    storage (`engines.write_parquet`), from a facts directory or a facts database. An
    output directory that already holds files is refused, never overwritten."""
    from trialdesk.population.database import facts_connection
    from trialdesk.population.engines import write_parquet

    if buckets is not None and buckets < 1:
        raise PrescreenError(f"--buckets {buckets}: not a number of buckets", fix="give 1 or more, e.g. 64")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise PrescreenError(
            f"{output}: already exists and is not an empty directory", fix="give a new or empty directory"
        )
    con = facts_connection(facts, knowledge)
    try:
        return write_parquet(con, output, buckets)
    finally:
        con.close()
