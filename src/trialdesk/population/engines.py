"""Engines that run compiled pre-screening SQL: DuckDB embedded, Spark, PostgreSQL.

The compiler emits one SQLGlot tree; an engine is the place that tree is printed for
(`engine.dialect`, a dialect name as SQLGlot spells it) and run. Every engine does the same
three things:

1. load the patient-facts tables (`facts.table_columns()`) from a DuckDB connection or
   from a directory of Parquet files named `<table>.parquet`, each column cast to the
   schema's type in the engine's own spelling (`engine_type`);
2. run one SQL string;
3. return its rows as tuples of Python values: `datetime.date`, `Decimal`, `list`, `bool`,
   `int`, `float`, `str` or None, the same values from every engine.

Spark and PostgreSQL are optional extras (`trialdesk[spark]`, `trialdesk[postgres]`); their
client libraries are imported when such an engine is made, so the embedded default works
without them. How the Spark path scales out is in docs/population.md.
"""

from __future__ import annotations

import importlib.util
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

import duckdb
import pyarrow as pa
from sqlglot import exp

from trialdesk.errors import TrialdeskError
from trialdesk.population.facts import PATIENT_KEY, table_columns
from trialdesk.population.funnel import STATUSES
from trialdesk.population.staging import Stage, stage_ctes

if TYPE_CHECKING:
    import psycopg
    from pyspark.sql import DataFrame, SparkSession

Row = tuple[Any, ...]
# rows travel from DuckDB to PostgreSQL in batches: bounded memory, few round trips
_BATCH_ROWS = 10_000


class EngineError(TrialdeskError):
    """An engine cannot load the facts or run a query; the message names the table or
    the engine's own error."""


class CompiledQuery(Protocol):
    """What `run_prescreen` needs of a compiled protocol (`prescreen.CompiledProtocol`)."""

    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def query(self) -> exp.Select: ...

    @property
    def stages(self) -> tuple[Stage, ...]: ...


def engine_type(duckdb_type: str, dialect: str) -> str:
    """A facts column type (DuckDB's spelling) in `dialect`: `VARCHAR[]` is `TEXT[]` in
    PostgreSQL and `ARRAY<STRING>` in Spark; SQLGlot's type mapping is the one table."""
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect=dialect)


def _quote(name: str, dialect: str = "duckdb") -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def _select_cast(columns: Mapping[str, str], source: str) -> str:
    """DuckDB SQL reading `source` with every column of the schema cast to its type, so a
    Parquet file written with other (compatible) types loads as the schema says."""
    casts = ", ".join(f"CAST({_quote(c)} AS {t}) AS {_quote(c)}" for c, t in columns.items())
    return f"SELECT {casts} FROM {source}"


def parquet_paths(directory: Path) -> dict[str, Path]:
    """Table → `directory/<table>.parquet` (a file, or a directory of part files) for every
    table of the schema; raises `EngineError` naming the missing ones."""
    paths = {table: directory / f"{table}.parquet" for table in table_columns()}
    missing = sorted(p.name for p in paths.values() if not p.exists())
    if missing:
        raise EngineError(
            f"{directory}: no {', '.join(missing)}",
            fix="write every facts table as <table>.parquet (trialdesk.population.engines.write_parquet)",
        )
    return paths


def write_parquet(con: duckdb.DuckDBPyConnection, directory: Path, buckets: int | None = None) -> dict[str, Path]:
    """Write every facts table of `con`, in the canonical schema, as `directory/<table>.parquet`:
    the layout `Engine.load_parquet` reads. (`facts.export_parquet` writes the store's
    layout instead, raw values for `store.open_facts`.)

    With `buckets`, each table is a directory of files partitioned by a hash of
    `patient_id` (`bucket=0/`, `bucket=1/`, …): every row of a patient lands in the same
    bucket of every table, so a cluster reads a patient's facts from matching files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, columns in table_columns().items():
        path = directory / f"{table}.parquet"
        target = exp.Literal.string(path.as_posix()).sql(dialect="duckdb")
        select = ", ".join(_quote(c) for c in columns)
        if buckets is None:
            sql = f"COPY (SELECT {select} FROM {_quote(table)}) TO {target} (FORMAT parquet)"
        else:
            bucket = f"hash({_quote('patient_id')}) % {int(buckets)} AS bucket"
            sql = (
                f"COPY (SELECT {select}, {bucket} FROM {_quote(table)}) TO {target} "
                "(FORMAT parquet, PARTITION_BY (bucket), OVERWRITE_OR_IGNORE)"
            )
        with _reading(f"table {table}"):
            con.execute(sql)
        written[table] = path
    return written


def _parquet_source(path: Path) -> str:
    pattern = (path / "**" / "*.parquet") if path.is_dir() else path
    return "read_parquet(" + exp.Literal.string(pattern.as_posix()).sql(dialect="duckdb") + ")"


@contextmanager
def _reading(where: str) -> Iterator[None]:
    try:
        yield
    except duckdb.Error as error:
        raise EngineError(
            f"{where}: {error}", fix="the facts must follow trialdesk.population.facts.table_columns()"
        ) from error


@dataclass(frozen=True)
class FactsTable:
    """One facts table as DuckDB reads it from the source, every column cast to the schema."""

    name: str
    columns: Mapping[str, str]
    reader: duckdb.DuckDBPyConnection
    sql: str
    where: str

    def arrow(self) -> pa.Table:
        with _reading(self.where):
            table: pa.Table = self.reader.sql(self.sql).to_arrow_table()
            return table

    def batches(self) -> Iterator[list[Row]]:
        with _reading(self.where):
            cursor = self.reader.cursor().execute(self.sql)
            while batch := cursor.fetchmany(_BATCH_ROWS):
                yield batch


def facts_tables(source: duckdb.DuckDBPyConnection | Path) -> Iterator[FactsTable]:
    """Every table of the schema, read from a DuckDB connection or from a directory of
    Parquet files (through an in-memory DuckDB, open while the iteration lasts)."""
    if isinstance(source, Path):
        paths = parquet_paths(source)
        with duckdb.connect() as reader:
            for table, columns in table_columns().items():
                sql = _select_cast(columns, _parquet_source(paths[table]))
                yield FactsTable(table, columns, reader, sql, str(paths[table]))
        return
    for table, columns in table_columns().items():
        yield FactsTable(table, columns, source, _select_cast(columns, _quote(table)), f"table {table}")


_REPORT = "report the query with the protocol: the compiler should emit SQL every engine runs"


def _first_line(error: BaseException) -> str:
    """The error without what Spark appends (the analysed plan, thousands of lines for a
    compiled protocol, or a JVM stack trace); a Py4J error's own first line only names
    the Java method, so the Java exception's line is kept with it."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("An error occurred while calling"):
        return f"{lines[0]} {lines[1].lstrip(': ')}"
    return lines[0] if lines else type(error).__name__


def _require(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise EngineError(f"the {extra} engine needs {module}", fix=f"pip install 'trialdesk[{extra}]'")


class Engine(ABC):
    """Loads the facts tables and runs SQL printed in `dialect`. Use as a context manager,
    or call `close()`; an engine closes only what it opened itself."""

    dialect: ClassVar[str]

    @abstractmethod
    def load_duckdb(self, source: duckdb.DuckDBPyConnection) -> None:
        """Copy every facts table from a DuckDB connection (`facts.load_duckdb`)."""

    @abstractmethod
    def load_parquet(self, directory: Path) -> None:
        """Load every facts table from `directory/<table>.parquet`."""

    @abstractmethod
    def query(self, sql: str) -> list[Row]:
        """Run one statement and return all its rows."""

    def run(self, statement: exp.Query) -> list[Row]:
        """Run a SQLGlot statement, printed in the engine's dialect."""
        return self.query(statement.sql(dialect=self.dialect))

    def run_staged(self, stages: tuple[Stage, ...], statement: exp.Query) -> list[Row]:
        """Store each stage as a temporary table under its name, in order, run the
        statement that reads them, and drop them."""
        with self._stored(stages):
            return self.run(statement)

    @contextmanager
    def _stored(self, stages: Sequence[Stage]) -> Iterator[None]:
        """The stages stored, in order, while the block runs; dropped after."""
        try:
            for stage in stages:
                self.store(stage)
            yield
        finally:
            for stage in stages:
                self.drop(stage.name)

    def store(self, stage: Stage) -> None:
        """A stage's rows as a temporary table of this session."""
        name = _quote(stage.name, self.dialect)
        self.query(f"DROP TABLE IF EXISTS {name}")
        self.query(f"CREATE TEMPORARY TABLE {name} AS {stage.statement.sql(dialect=self.dialect)}")

    def drop(self, name: str) -> None:
        self.query(f"DROP TABLE IF EXISTS {_quote(name, self.dialect)}")

    @abstractmethod
    def close(self) -> None:
        """Release what the engine opened."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def run_prescreen(engine: Engine, compiled: CompiledQuery) -> list[dict[str, Any]]:
    """A compiled protocol's rows on `engine`: one dict per patient keyed by its columns."""
    rows = engine.run_staged(compiled.stages, compiled.query)
    return [dict(zip(compiled.columns, row, strict=True)) for row in rows]


# -- DuckDB -------------------------------------------------------------------------------
@contextmanager
def _duckdb_errors() -> Iterator[None]:
    try:
        yield
    except duckdb.OutOfMemoryException as error:
        raise EngineError(
            f"DuckDB ran out of memory ({_first_line(error)})",
            fix="raise --memory-limit (or leave it out), or screen a part of the population at a time",
        ) from error
    except duckdb.Error as error:
        raise EngineError(f"DuckDB: {error}", fix=_REPORT) from error


class DuckDBEngine(Engine):
    """The embedded default. Wraps a connection that may already hold the facts (as
    `facts.load_duckdb` leaves it); otherwise an in-memory database of its own."""

    dialect: ClassVar[str] = "duckdb"

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None = None,
        *,
        owned: bool | None = None,
        spill: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        # `owned`: close the given connection too; `spill`: the directory DuckDB writes
        # to beyond its memory limit, removed on close
        self._owned = con is None if owned is None else owned
        self.con = con if con is not None else duckdb.connect()
        self._spill = spill

    def load_duckdb(self, source: duckdb.DuckDBPyConnection) -> None:
        if source is self.con:
            return
        for table in facts_tables(source):
            # the Arrow table is read through the registered name by DuckDB's scan
            self.con.register("_trialdesk_load", table.arrow())
            try:
                self.con.execute(f"CREATE OR REPLACE TABLE {_quote(table.name)} AS SELECT * FROM _trialdesk_load")
            finally:
                self.con.unregister("_trialdesk_load")

    def run_staged(self, stages: tuple[Stage, ...], statement: exp.Query) -> list[Row]:
        with self._searching(stages):
            return self.run(statement)

    def arrow(self, stages: tuple[Stage, ...], statement: exp.Query) -> pa.Table:
        """`run_staged`, the rows as Arrow: DuckDB hands them over without a Python object
        per value."""
        with self._searching(stages), _duckdb_errors():
            table: pa.Table = self.con.sql(statement.sql(dialect=self.dialect)).to_arrow_table()
            return table

    @contextmanager
    def _searching(self, stages: tuple[Stage, ...]) -> Iterator[None]:
        """The stages stored, and the statement after them planned with every CTE
        materialised once rather than inlined at each reader. That statement (the search
        for the earliest date) has dozens of CTEs over a few percent of the patients, each
        read by several others: inlined, it took 2.0–2.3 and 2.0 s per protocol at
        1,000,000 patients (output included), materialised 1.7–1.9 and 1.6–1.7 s. The
        main pass is left to DuckDB's default: materialising its CTEs saved no time there
        and held more memory."""
        with self._stored(stages):
            if not stages:
                yield
                return
            self.con.execute("SET disabled_optimizers = 'cte_inlining'")
            try:
                yield
            finally:
                self.con.execute("RESET disabled_optimizers")

    def load_parquet(self, directory: Path) -> None:
        for table, path in parquet_paths(directory).items():
            sql = _select_cast(table_columns()[table], _parquet_source(path))
            with _reading(str(path)):
                self.con.execute(f"CREATE OR REPLACE TABLE {_quote(table)} AS {sql}")

    def query(self, sql: str) -> list[Row]:
        with _duckdb_errors():
            return self.con.execute(sql).fetchall()

    def close(self) -> None:
        if self._owned:
            self.con.close()
        if self._spill is not None:
            self._spill.cleanup()


# -- Spark --------------------------------------------------------------------------------
def spark_session(
    master: str = "local[2]", conf: Mapping[str, str] | None = None, app_name: str = "trialdesk"
) -> SparkSession:
    """A SparkSession for pre-screening: `local[N]` runs in this process's JVM on N cores,
    `spark://host:7077` (or `yarn`, `k8s://…`) on a cluster. Without `conf` the web UI is
    off and shuffles use 8 partitions, sizes for one machine; pass the cluster's own."""
    _require("pyspark", "spark")
    from pyspark.sql import SparkSession

    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "8",
        # a compiled protocol runs about a hundred sorts, aggregates and joins in one task,
        # each holding at least one memory page: Spark's default page (up to 64 MB, sized
        # from the heap) exhausts execution memory long before the rows do
        "spark.buffer.pageSize": "2m",
        **(conf or {}),
    }
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    """Spark SQL over temporary views, one per facts table. Parquet is read by the
    executors (`spark.read.parquet`), so a directory on shared storage scales out; a DuckDB
    connection is shipped through the driver as Arrow, for tests and small populations."""

    dialect: ClassVar[str] = "spark"

    def __init__(self, session: SparkSession, *, owned: bool = False) -> None:
        self.session = session
        self._owned = owned

    @classmethod
    def start(cls, master: str = "local[2]", conf: Mapping[str, str] | None = None) -> SparkEngine:
        """An engine on a session of its own, stopped on `close()`."""
        return cls(spark_session(master, conf), owned=True)

    def _view(self, table: str, frame: DataFrame, columns: Mapping[str, str]) -> None:
        from pyspark.sql import functions

        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise EngineError(
                f"table {table} has no column {', '.join(missing)}",
                fix="the facts must follow trialdesk.population.facts.table_columns()",
            )
        casts = [functions.col(_quote(c, "spark")).cast(engine_type(t, "spark")).alias(c) for c, t in columns.items()]
        frame.select(*casts).createOrReplaceTempView(table)

    def load_parquet(self, directory: Path | str) -> None:
        """Load every facts table from `directory/<table>.parquet`; a URI string (`s3a://…`,
        `hdfs://…`, `abfss://…`) is read by the executors as it is, unchecked here."""
        if isinstance(directory, str) and "://" in directory:
            paths = {table: f"{directory.rstrip('/')}/{table}.parquet" for table in table_columns()}
        else:
            paths = {table: path.as_posix() for table, path in parquet_paths(Path(directory)).items()}
        for table, path in paths.items():
            with self._errors():
                self._view(table, self.session.read.parquet(path), table_columns()[table])

    def load_duckdb(self, source: duckdb.DuckDBPyConnection) -> None:
        for table in facts_tables(source):
            data = table.arrow()
            if data.num_rows == 0:
                # Spark 4 cannot build a frame from an Arrow table without batches
                schema = ", ".join(f"{_quote(c, 'spark')} {engine_type(t, 'spark')}" for c, t in table.columns.items())
                frame = self.session.createDataFrame([], schema=schema)
            else:
                frame = self.session.createDataFrame(data)
            self._view(table.name, frame, table.columns)

    def query(self, sql: str) -> list[Row]:
        with self._errors():
            return [tuple(row) for row in self.session.sql(sql).collect()]

    def run(self, statement: exp.Query) -> list[Row]:
        """Run a statement with its multiply-read CTEs materialised first (`stage_ctes`):
        each is checkpointed, which cuts its plan to a leaf, and read as a temporary view."""
        stages, final = stage_ctes(statement)
        with self._stored(stages):
            return self.query(final.sql(dialect=self.dialect))

    def write_rows(self, compiled: CompiledQuery, destination: str) -> dict[str, int]:
        """Run a compiled protocol and write its rows as Parquet to `destination` (a
        directory, replaced; on shared storage, `s3a://…`, `hdfs://…`, the executors write
        it and no row passes through the driver); returns the patients per status, counted
        from what was written."""
        stages, final = stage_ctes(compiled.query)
        with self._stored(compiled.stages), self._stored(stages), self._errors():
            self.session.sql(final.sql(dialect=self.dialect)).write.mode("overwrite").parquet(destination)
        with self._errors():
            counted = self.session.read.parquet(destination).groupBy("status").count().collect()
        found = {str(row["status"]): int(row["count"]) for row in counted}
        return {status: found.get(status, 0) for status in STATUSES}

    def store(self, stage: Stage) -> None:
        """A stage as a checkpointed temporary view (read by name, its plan a leaf)."""
        with self._errors():
            frame = self.session.sql(stage.statement.sql(dialect=self.dialect)).localCheckpoint()
            frame.createOrReplaceTempView(stage.name)

    def drop(self, name: str) -> None:
        self.session.catalog.dropTempView(name)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        try:
            yield
        except (PySparkException, Py4JError) as error:
            # a JVM failure (out of memory) reaches Python as a Py4J error, not a Spark one
            raise EngineError(f"Spark: {_first_line(error)}", fix=_REPORT) from error

    def close(self) -> None:
        if self._owned:
            self.session.stop()


# -- PostgreSQL ---------------------------------------------------------------------------
class PostgresEngine(Engine):
    """PostgreSQL over temporary tables of this connection: loading never touches a table
    of the database, and the facts vanish with the session. Rows arrive by binary COPY."""

    dialect: ClassVar[str] = "postgres"

    def __init__(self, connection: psycopg.Connection[Row], *, owned: bool = False) -> None:
        self.connection = connection
        self._owned = owned

    @classmethod
    def connect(cls, conninfo: str) -> PostgresEngine:
        """An engine on a connection of its own (`host=… dbname=…` or a postgresql:// URL)."""
        _require("psycopg", "postgres")
        import psycopg

        try:
            connection = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as error:
            raise EngineError(
                f"PostgreSQL: {error}", fix="check the connection string and that the server runs"
            ) from error
        return cls(connection, owned=True)

    def load_duckdb(self, source: duckdb.DuckDBPyConnection) -> None:
        self._load(facts_tables(source))

    def load_parquet(self, directory: Path) -> None:
        self._load(facts_tables(directory))

    def _load(self, tables: Iterator[FactsTable]) -> None:
        import psycopg

        try:
            with self.connection.transaction(), self.connection.cursor() as cur:
                for table in tables:
                    self._copy(cur, table)
        except psycopg.Error as error:
            raise EngineError(f"PostgreSQL: {error}", fix="check the server's log and free space") from error

    def _copy(self, cur: psycopg.Cursor[Row], table: FactsTable) -> None:
        name = _quote(table.name, "postgres")
        body = ", ".join(f"{_quote(c, 'postgres')} {engine_type(t, 'postgres')}" for c, t in table.columns.items())
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cur.execute(f"CREATE TEMPORARY TABLE {name} ({body})")
        # binary COPY applies no casts: tell psycopg each column's type, read from the table
        cur.execute(
            "SELECT atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum",
            (f"pg_temp.{name}",),
        )
        oids = [int(row[0]) for row in cur.fetchall()]
        with cur.copy(f"COPY {name} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(oids)
            for batch in table.batches():
                for row in batch:
                    copy.write_row(row)
        # per-patient lookups and joins; autovacuum never analyses temporary tables
        cur.execute(f"CREATE INDEX ON {name} ({_quote(PATIENT_KEY, 'postgres')})")
        cur.execute(f"ANALYZE {name}")

    def query(self, sql: str) -> list[Row]:
        import psycopg

        try:
            with self.connection.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        except psycopg.Error as error:
            raise EngineError(f"PostgreSQL: {error}", fix=_REPORT) from error

    def store(self, stage: Stage) -> None:
        """A stage as a temporary table, analysed (autovacuum never reaches those)."""
        name = _quote(stage.name, self.dialect)
        self._execute(
            f"DROP TABLE IF EXISTS pg_temp.{name}",
            f"CREATE TEMPORARY TABLE {name} AS {stage.statement.sql(dialect=self.dialect)}",
            f"ANALYZE {name}",
        )

    def drop(self, name: str) -> None:
        self._execute(f"DROP TABLE IF EXISTS pg_temp.{_quote(name, self.dialect)}")

    def _execute(self, *statements: str) -> None:
        import psycopg

        try:
            with self.connection.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
        except psycopg.Error as error:
            raise EngineError(f"PostgreSQL: {error}", fix=_REPORT) from error

    def close(self) -> None:
        if self._owned:
            self.connection.close()


# the engine for each dialect name, as SQLGlot spells it
ENGINES: Mapping[str, type[Engine]] = {e.dialect: e for e in (DuckDBEngine, SparkEngine, PostgresEngine)}
