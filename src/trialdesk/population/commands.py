"""What `trialdesk prescreen` and `trialdesk population …` do, apart from printing.

A facts directory is opened (checked, converted to canonical units) into DuckDB; each
protocol is compiled once and run on the chosen engine (DuckDB in process, Spark, or a
PostgreSQL server), giving one row per patient; the funnel is counted from those rows.
"""

from __future__ import annotations

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
from trialdesk.population.funnel import Funnel, funnel
from trialdesk.population.prescreen import CompiledProtocol, compile_protocol
from trialdesk.protocol.load import LoadedProtocol

ENGINES = ("duckdb", "spark", "postgres")


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
        # DuckDB hands its result to Arrow without a Python object per value
        table: pa.Table = engine.con.sql(compiled.sql(dialect)).to_arrow_table()
        return table
    rows = engine.run(compiled.query)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in compiled.columns]
    return pa.table({name: list(values) for name, values in zip(compiled.columns, columns, strict=True)})


def open_engine(
    kind: str, facts: Path, knowledge: Knowledge, *, postgres_url: str | None = None, spark_master: str = "local[2]"
) -> Any:
    """The engine with the facts loaded: the directory is always opened (checked and
    converted) by DuckDB first, then shipped to Spark or PostgreSQL."""
    from trialdesk.population.engines import DuckDBEngine, PostgresEngine, SparkEngine
    from trialdesk.population.store import open_facts

    if kind not in ENGINES:
        raise PrescreenError(f"--engine {kind!r} is not an engine", fix=f"one of {', '.join(ENGINES)}")
    if kind == "postgres" and not postgres_url:
        raise PrescreenError(
            "--engine postgres needs a server", fix="give --postgres-url postgresql://user@host:port/database"
        )
    con = open_facts(facts, knowledge)
    if kind == "duckdb":
        return DuckDBEngine(con)
    engine: Any = SparkEngine.start(spark_master) if kind == "spark" else PostgresEngine.connect(postgres_url or "")
    engine.load_duckdb(con)
    con.close()
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
