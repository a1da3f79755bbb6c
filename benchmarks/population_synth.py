"""Synthetic population speed: write 1,000,000 patients as a facts directory, and open it.

    .venv/bin/python benchmarks/population_synth.py [--patients 1000000] [--runs 3] [--small 100000] [--open]

Times `trialdesk.population.synth.synthesize` once at `--patients` and `--runs` times at
`--small` (median), and prints fact rows per second next to a baseline measured in the
same run: pyarrow writing the same number of rows of random numbers (a patient index, a
day, two doubles) to Parquet. The ratio says how much the clinical content costs over
raw writing. Target: 1,000,000 patients in under 2 minutes. With `--open`, also times
`trialdesk.population.store.open_facts` on the large directory (validation, unit
conversion and derived attributes, into an in-memory DuckDB database).
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

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trialdesk.knowledge.base import load_knowledge
from trialdesk.population.store import open_facts
from trialdesk.population.synth import SynthSummary, synthesize

AS_OF = date(2026, 11, 20)


def baseline(rows: int, directory: Path, chunk: int = 2_000_000) -> float:
    """Seconds for pyarrow to write `rows` rows of random numbers to one Parquet file."""
    rng = np.random.default_rng(0)
    schema = pa.schema([("patient", pa.int64()), ("day", pa.date32()), ("a", pa.float64()), ("b", pa.float64())])
    started = time.perf_counter()
    with pq.ParquetWriter(directory / "baseline.parquet", schema, compression="snappy") as writer:
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            table = pa.table(
                {
                    "patient": pa.array(np.sort(rng.integers(0, rows // 45 + 1, size))),
                    "day": pa.array(rng.integers(19000, 20800, size).astype(np.int32), pa.date32()),
                    "a": pa.array(rng.random(size)),
                    "b": pa.array(rng.normal(size=size)),
                },
                schema=schema,
            )
            writer.write_table(table)
    return time.perf_counter() - started


def run(patients: int, seed: int, root: Path) -> SynthSummary:
    directory = root / f"facts-{patients}-{seed}"
    shutil.rmtree(directory, ignore_errors=True)
    return synthesize(patients, seed, directory, AS_OF, load_knowledge())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--open", action="store_true", help="also time open_facts on the large directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trialdesk-synth-") as tmp:
        root = Path(tmp)
        small = [run(args.small, seed, root) for seed in range(args.runs)]
        median = statistics.median(s.seconds for s in small)
        large = run(args.patients, 7, root)
        base = baseline(large.total_rows, root)
        print(large)
        print()
        print(
            f"{args.small:,} patients × {args.runs} runs: median {median:.2f} s ({small[0].total_rows / median:,.0f} rows/s)"
        )
        print(f"{args.patients:,} patients: {large.seconds:.1f} s ({large.total_rows / large.seconds:,.0f} rows/s)")
        print(
            f"baseline (pyarrow, {large.total_rows:,} rows of random numbers): {base:.1f} s ({large.total_rows / base:,.0f} rows/s)"
        )
        print(f"ratio synth / baseline: {large.seconds / base:.2f}   target: {args.patients:,} patients < 120 s")
        if args.open:
            started = time.perf_counter()
            con = open_facts(large.directory, load_knowledge())
            seconds = time.perf_counter() - started
            ((rows,),) = con.execute("SELECT count(*) FROM observations").fetchall()
            print(f"open_facts: {seconds:.1f} s ({rows:,} observations converted)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
