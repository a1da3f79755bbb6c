"""Pre-screening on a Spark cluster, as a `spark-submit` application.

The driver compiles the protocols; the executors read the canonical facts (written by
`trialdesk population export`) from shared storage and write one Parquet directory of
per-patient rows per trial, so no row passes through the driver either way. The compiled
SQL has no Python UDFs: executors need Java, not trialdesk.

    spark-submit --master spark://spark-master:7077 --deploy-mode client \\
      "$(python -m trialdesk.population.spark_job --where)" \\
      s3a://warehouse/facts-canonical --output s3a://warehouse/prescreen --all

Master, executors and Spark settings come from `spark-submit` (or from the session a
caller passes to `run`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from trialdesk.criteria.sql import Dates
from trialdesk.errors import TrialdeskError
from trialdesk.knowledge.base import Knowledge, load_knowledge
from trialdesk.population.engines import SparkEngine
from trialdesk.population.prescreen import compile_protocol
from trialdesk.protocol.load import LoadedProtocol, load_protocols

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class TrialRun:
    """One trial's rows written: where, the patients per status, and the wall time."""

    trial: str
    destination: str
    statuses: dict[str, int]
    seconds: float


def destination_of(output: str, trial: str) -> str:
    """The directory one trial's rows are written to, under `output`."""
    return f"{output.rstrip('/')}/trial={trial}"


def run(
    session: SparkSession,
    facts: str,
    output: str,
    protocols: Sequence[LoadedProtocol],
    knowledge: Knowledge,
    dates: Dates | None = None,
) -> list[TrialRun]:
    """Screen the canonical facts at `facts` against each protocol, writing each trial's
    rows under `output` (`destination_of`)."""
    engine = SparkEngine(session)
    engine.load_parquet(facts)
    runs = []
    for protocol in protocols:
        started = time.perf_counter()
        destination = destination_of(output, protocol.id)
        statuses = engine.write_rows(compile_protocol(protocol, knowledge, dates), destination)
        runs.append(TrialRun(protocol.id, destination, statuses, time.perf_counter() - started))
    return runs


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"error: {option} {text!r} is not a date\n  fix: write it as YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spark_job", description=__doc__.split("\n")[0])
    parser.add_argument("facts", nargs="?", help="canonical facts directory or URI (trialdesk population export)")
    parser.add_argument("--output", "-o", help="directory or URI; each trial's rows go to OUTPUT/trial=ID")
    parser.add_argument("--trial", "-t", action="append", help="trial id (repeatable)")
    parser.add_argument("--all", action="store_true", help="every protocol (the default without --trial)")
    parser.add_argument("--as-of", help="screen everyone at this date (default: each patient's own)")
    parser.add_argument("--first-dose", help="planned first dose, YYYY-MM-DD (default: the as-of date)")
    parser.add_argument("--where", action="store_true", help="print this file's path, for spark-submit, and stop")
    args = parser.parse_args(argv)
    if args.where:
        print(__file__)
        return 0
    if not args.facts or not args.output:
        parser.error("give the canonical facts and --output")
    as_of, first = _date(args.as_of, "--as-of"), _date(args.first_dose, "--first-dose")
    if first is not None and as_of is None:
        parser.error("--first-dose needs --as-of")
    if args.all and args.trial:
        parser.error("give --trial or --all, not both")
    dates = Dates.literal(as_of, first or as_of) if as_of is not None else None
    from pyspark.sql import SparkSession

    try:
        knowledge = load_knowledge()
        every = load_protocols(knowledge)
        unknown = sorted(set(args.trial or ()) - set(every))
        if unknown:
            parser.error(f"unknown trial {', '.join(unknown)}; the protocols are {', '.join(every)}")
        chosen = [every[t] for t in args.trial] if args.trial else list(every.values())
        session = SparkSession.builder.appName("trialdesk-prescreen").getOrCreate()
        runs = run(session, args.facts, args.output, chosen, knowledge, dates)
    except TrialdeskError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for r in runs:
        counts = ", ".join(f"{status} {count:,}" for status, count in r.statuses.items())
        print(f"{r.trial}: {sum(r.statuses.values()):,} patients ({counts}) in {r.seconds:.1f} s -> {r.destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
