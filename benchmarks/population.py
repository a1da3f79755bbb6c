"""Population pre-screening speed: synthetic patients × both protocols, compiled SQL on
DuckDB next to the Python evaluator (and optionally Spark local mode), in one run.

    .venv/bin/python benchmarks/population.py [--patients 1000000] [--sample 2000] [--spark 100000]
                                              [--facts DIR] [--runs 3] [--threads N] [--memory-limit 3GB]

1. Writes `--patients` synthetic patients as a facts directory (or reads `--facts`).
2. Opens it into a facts database (`trialdesk population open`: checks, unit conversion,
   derived attributes, kept as a DuckDB file) — timed apart, as a warehouse would load
   once and screen often — and reads it as `trialdesk prescreen facts.duckdb` does.
3. Runs both compiled protocols as `trialdesk prescreen` does (`DuckDBEngine.arrow`:
   stages stored as temporary tables, then the query), with the earliest eligible date,
   `--runs` times on DuckDB and reports the median wall time and patients per second.
4. Screens the first `--sample` patients, read back as records, with the Python screener
   (`Screener.screen`, earliest eligible date included): the baseline, in patients per
   second, and the ratio of the two.
5. With `--spark N`, the same statements on Spark local mode over the first N patients.
6. With `--floor`, where the main pass's time goes, per protocol: the main pass as
   compiled; each of its per-patient aggregates (lab picks, section aggregates,
   attestations, reviews) computed and stored on its own; and the frame alone — the same
   main pass reading those stored aggregates, so only the joins into one row per patient,
   the verdicts and the status remain. The frame alone is a floor no faster aggregate can
   go under.

`--database FILE --facts DIR` reads a facts database already opened from DIR (`trialdesk
population open`) instead of opening it again.

Targets on a 2-core machine: DuckDB 1,000,000 patients × 2 protocols under 10 s, peak
memory under 4 GB (the resident set of this process, DuckDB included, is printed).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
from sqlglot import exp

from trialdesk.criteria.sql import SCREENING, SCREENING_BASE
from trialdesk.knowledge.base import load_knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.population.database import META, connect_database, save_database
from trialdesk.population.engines import DuckDBEngine
from trialdesk.population.prescreen import CompiledProtocol, compile_protocol
from trialdesk.population.records import records_from_facts
from trialdesk.population.synth import synthesize
from trialdesk.protocol.load import load_protocols
from trialdesk.screening.screen import Screener

AS_OF = date(2026, 11, 20)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _seconds(con: duckdb.DuckDBPyConnection, statement: str) -> float:
    started = time.perf_counter()
    con.execute(statement)
    return time.perf_counter() - started


def _floor(con: duckdb.DuckDBPyConnection, compiled: list[CompiledProtocol]) -> None:
    """The main pass split: its per-patient aggregates stored apart, then the frame alone."""
    totals = [0.0, 0.0, 0.0]
    for c in compiled:
        create = c.stages[0].statement.copy()
        with_ = create.find(exp.With)
        assert with_ is not None
        assert isinstance(with_.parent, exp.Select)
        main = with_.parent
        ctes = list(with_.expressions)
        # `sp`/`s` are the patients themselves and `main_*` the frame: everything else is
        # one per-patient aggregate, which may read `sp` and the aggregates before it.
        aggregates = [x for x in ctes if x.alias not in (SCREENING, SCREENING_BASE) and not x.alias.startswith("main_")]
        as_compiled = _seconds(con, f"CREATE TEMPORARY TABLE td_floor_main AS {main.sql('duckdb')}")
        apart = 0.0
        for cte in aggregates:
            before = ctes[: ctes.index(cte)]
            query = cte.this.copy()
            query.set("with_", exp.With(expressions=[x.copy() for x in before if x not in aggregates]))
            apart += _seconds(con, f'CREATE TEMPORARY TABLE "{cte.alias}" AS {query.sql("duckdb")}')
        with_.set("expressions", [x for x in ctes if x not in aggregates])
        frame = _seconds(con, f"CREATE TEMPORARY TABLE td_floor_frame AS {main.sql('duckdb')}")
        same = con.execute("SELECT count(*) FROM (FROM td_floor_main EXCEPT ALL FROM td_floor_frame)").fetchall()[0][0]
        if same:
            raise SystemExit(f"{c.trial}: the frame read from stored aggregates differs in {same} rows")
        for name in ["td_floor_main", "td_floor_frame", *(x.alias for x in aggregates)]:
            con.execute(f'DROP TABLE "{name}"')
        print(
            f"  {c.trial}: main pass {as_compiled:.2f} s; {len(aggregates)} aggregates stored apart {apart:.2f} s; "
            f"frame alone {frame:.2f} s"
        )
        totals = [totals[0] + as_compiled, totals[1] + apart, totals[2] + frame]
    print(
        f"main pass, {len(compiled)} protocols: {totals[0]:.2f} s as compiled; aggregates apart {totals[1]:.2f} s; "
        f"frame alone {totals[2]:.2f} s = {totals[2] / 10:.2f}× the 10 s target"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--spark", type=int, default=0, help="patients for Spark local mode (0: skip)")
    parser.add_argument("--facts", type=Path, help="an existing facts directory")
    parser.add_argument("--database", type=Path, help="an existing facts database (skips the open)")
    parser.add_argument("--floor", action="store_true", help="also split the main pass: aggregates, frame alone")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    parser.add_argument("--memory-limit", help="DuckDB's memory cap, e.g. 3GB (spills beyond it)")
    args = parser.parse_args()

    knowledge = load_knowledge()
    protocols = load_protocols(knowledge)
    work = Path(tempfile.mkdtemp(prefix="trialdesk-population-"))
    if args.database and not args.facts:
        parser.error(
            "--database needs --facts, the directory it was opened from: the Python baseline reads its records"
        )
    facts = args.facts
    if facts is None:
        facts = work / "facts"
        started = time.perf_counter()
        synthesize(args.patients, 7, facts, AS_OF, knowledge)
        print(f"synthetic population: {args.patients:,} patients written in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    config: dict[str, str | bool | int | float | list[str]] = {}
    if args.memory_limit:
        config = {"memory_limit": args.memory_limit, "temp_directory": str(work / "spill")}
    database = args.database or work / "facts.duckdb"
    if args.database is None:
        save_database(facts, knowledge, database, config)
    con = connect_database(database, knowledge, config)
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall() if t != META]
    counts = {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) for t in tables}
    total = counts["patients"]
    rows = sum(counts.values())
    print(
        f"facts database opened: {total:,} patients, {rows / total:.1f} fact rows each, in {time.perf_counter() - started:.1f} s"
    )

    compiled = [compile_protocol(p, knowledge) for p in protocols.values()]
    engine = DuckDBEngine(con)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        for c in compiled:
            engine.arrow(c.stages, c.query)
        times.append(time.perf_counter() - started)
    sql_seconds = statistics.median(times)
    sql_rate = total / sql_seconds
    print(
        f"DuckDB   {total:,} patients × {len(compiled)} protocols: median {sql_seconds:.2f} s "
        f"of {args.runs} (min {min(times):.2f}, max {max(times):.2f}); {sql_rate:,.0f} patients/s"
        f"  (target < 10 s at 1,000,000)"
    )

    records = records_from_facts(facts, args.sample)
    screeners = [Screener(p, knowledge) for p in protocols.values()]
    started = time.perf_counter()
    for record, as_of, first_dose in records:
        view = build_view(patient_from_data(record), knowledge, as_of)
        for screener in screeners:
            screener.screen(view, as_of, first_dose)
    python_seconds = time.perf_counter() - started
    python_rate = len(records) / python_seconds
    print(
        f"Python   {len(records):,} patients × {len(screeners)} protocols: {python_seconds:.2f} s; "
        f"{python_rate:,.0f} patients/s (baseline)"
    )
    print(f"ratio: compiled SQL on DuckDB screens {sql_rate / python_rate:,.1f}× the patients per second")

    if args.spark:
        from trialdesk.population.engines import SparkEngine

        sample = duckdb.connect()
        query = f"SELECT max(patient_id) FROM (SELECT patient_id FROM patients ORDER BY 1 LIMIT {args.spark})"
        bound = con.execute(query).fetchall()[0][0]
        for table in tables:
            data = con.sql(f"SELECT * FROM \"{table}\" WHERE patient_id <= '{bound}'").to_arrow_table()
            sample.register("t", data)
            sample.execute(f'CREATE TABLE "{table}" AS SELECT * FROM t')
            sample.unregister("t")
        started = time.perf_counter()
        spark = SparkEngine.start("local[2]")
        spark.load_duckdb(sample)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        for c in compiled:
            spark.run_staged(c.stages, c.query)
        spark_seconds = time.perf_counter() - started
        spark.close()
        spark_rate = args.spark / spark_seconds
        print(
            f"Spark    {args.spark:,} patients × {len(compiled)} protocols (local[2], session start and load "
            f"{loaded:.1f} s): {spark_seconds:.2f} s; {spark_rate:,.0f} patients/s; "
            f"{spark_rate / python_rate:,.1f}× the Python evaluator"
        )
    print(f"peak resident memory of this process: {_peak_gib():.2f} GiB (target < 4 GB)")
    if args.floor:  # after the memory figure: the aggregates stored apart hold memory of their own
        _floor(con, compiled)
    con.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
