"""Spark on a standalone cluster: the spark-submit path measured end to end, next to Spark
local mode and DuckDB on the same facts, in one run.

    .venv/bin/python benchmarks/population_spark_cluster.py [--patients 20000] [--workers 2]
                                                            [--partitions 8] [--facts DIR]

1. Writes `--patients` synthetic patients (or reads `--facts`) and exports the canonical
   facts (`trialdesk population export`, bucketed by patient).
2. Starts a standalone master and `--workers` workers (one core each, each its own JVM,
   so shuffles cross processes as on a cluster) on the loopback interface.
3. Runs `spark_job` with `spark-submit --master spark://…` (the cluster), then with
   `--master local[N]` (N = the workers' cores), both timed from submit to exit (JVM
   start included) and from the job's own per-trial times (screening only).
4. Screens the same facts with DuckDB (the baseline), and prints patients per second of
   each and the ratios. All three give the same status counts or the run fails.

A cluster on one 2-core machine measures the path, not scale: what it adds over local
mode (executor JVMs, task scheduling, shuffles over the network stack) is the price of
running where more machines can be added.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from trialdesk.knowledge.base import load_knowledge
from trialdesk.population import spark_job
from trialdesk.population.commands import export_canonical
from trialdesk.population.engines import DuckDBEngine
from trialdesk.population.prescreen import compile_protocol
from trialdesk.population.store import open_facts
from trialdesk.population.synth import synthesize
from trialdesk.protocol.load import load_protocols

AS_OF = date(2026, 11, 20)
BIN = Path(sys.executable).parent
_LINE = re.compile(
    r"^(NCT\d+): ([\d,]+) patients \(eligible ([\d,]+), undetermined ([\d,]+), ineligible ([\d,]+)\) in ([\d.]+) s"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def _submit(
    master: str, job_args: list[str], conf: dict[str, str], log: Path, env: dict[str, str]
) -> tuple[float, dict[str, tuple[int, ...]], float]:
    """Wall seconds from submit to exit, the status counts per trial, and the job's own
    seconds (screening and writing, summed over trials)."""
    command = [str(BIN / "spark-submit"), "--master", master, "--deploy-mode", "client"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [*command, spark_job.__file__, *job_args], stdout=subprocess.PIPE, stderr=out, text=True, env=env
        )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"spark-submit --master {master} failed ({done.returncode}); see {log}")
    counts, own = {}, 0.0
    for line in done.stdout.splitlines():
        if m := _LINE.match(line):
            counts[m.group(1)] = tuple(int(g.replace(",", "")) for g in m.groups()[2:5])
            own += float(m.group(6))
    return wall, counts, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=8, help="spark.sql.shuffle.partitions")
    parser.add_argument("--facts", type=Path, help="an existing facts directory")
    args = parser.parse_args()

    knowledge = load_knowledge()
    protocols = load_protocols(knowledge)
    work = Path(tempfile.mkdtemp(prefix="trialdesk-spark-cluster-"))
    processes: list[subprocess.Popen[bytes]] = []
    import pyspark

    # Spark's launch scripts find their jars through SPARK_HOME (pyspark's own directory
    # when installed by pip) and the Python of this environment
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    try:
        facts = args.facts
        if facts is None:
            facts = work / "facts"
            synthesize(args.patients, 7, facts, AS_OF, knowledge)
        canonical = work / "canonical"
        export_canonical(facts, knowledge, canonical, buckets=args.partitions)

        started = time.perf_counter()
        con = open_facts(facts, knowledge, duckdb.connect())
        patients = int(con.execute("SELECT count(*) FROM patients").fetchall()[0][0])
        engine = DuckDBEngine(con, owned=True)
        duck: dict[str, tuple[int, ...]] = {}
        duck_started = time.perf_counter()
        for protocol in protocols.values():
            compiled = compile_protocol(protocol, knowledge)
            rows = engine.arrow(compiled.stages, compiled.query).column("status").to_pylist()
            duck[protocol.id] = tuple(rows.count(s) for s in ("eligible", "undetermined", "ineligible"))
        duck_seconds = time.perf_counter() - duck_started
        engine.close()
        print(f"{patients:,} patients; facts opened and exported in {duck_started - started:.1f} s")

        master_port, master_ui = _port(), _port()
        cls = str(BIN / "spark-class")
        processes.append(
            subprocess.Popen(
                [
                    cls,
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(master_port),
                    "--webui-port",
                    str(master_ui),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(work / "master.log").open("w"),
            )
        )
        _wait_for(master_port)
        url = f"spark://127.0.0.1:{master_port}"
        for i in range(args.workers):
            processes.append(
                subprocess.Popen(
                    [
                        cls,
                        "org.apache.spark.deploy.worker.Worker",
                        url,
                        "--cores",
                        "1",
                        "--memory",
                        "3g",
                        "--webui-port",
                        str(_port()),
                        "--work-dir",
                        str(work / f"worker{i}"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(work / f"worker{i}.log").open("w"),
                )
            )
        time.sleep(5)  # the workers register with the master

        conf = {
            "spark.sql.shuffle.partitions": str(args.partitions),
            "spark.buffer.pageSize": "2m",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.memory": "3g",
            "spark.executor.memory": "2g",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        }
        job = [str(canonical), "--output", str(work / "rows-cluster"), "--all"]
        cluster_wall, cluster_counts, cluster_own = _submit(url, job, conf, work / "cluster.log", env)
        job[2] = str(work / "rows-local")
        local_wall, local_counts, local_own = _submit(f"local[{args.workers}]", job, conf, work / "local.log", env)
        if not (cluster_counts == local_counts == duck):
            raise SystemExit(f"status counts differ: cluster {cluster_counts}, local {local_counts}, DuckDB {duck}")

        print(f"{'both trials':<50}{'seconds':>10}{'patients/s':>12}")
        lines = [
            ("DuckDB (baseline)", duck_seconds),
            (f"Spark standalone, {args.workers} workers × 1 core: screening", cluster_own),
            ("  … submit to exit (JVMs started)", cluster_wall),
            (f"Spark local[{args.workers}]: screening", local_own),
            ("  … submit to exit (JVM started)", local_wall),
        ]
        for name, seconds in lines:
            print(f"{name:<50}{seconds:>10.1f}{patients / seconds:>12,.0f}")
        print(
            f"ratios (screening): cluster / local {cluster_own / local_own:.2f}; "
            f"cluster / DuckDB {cluster_own / duck_seconds:.1f}; the same status counts from all three"
        )
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if os.environ.get("TRIALDESK_KEEP"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
