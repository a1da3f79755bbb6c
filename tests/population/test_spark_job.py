"""The Spark application: canonical facts exported by `trialdesk population export` and
screened by `spark_job.run` give, in the Parquet the executors write, exactly the rows
DuckDB gives for the same facts; the export refuses to overwrite; the job's own command
line refuses bad options."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trialdesk.cli import app
from trialdesk.knowledge.base import Knowledge
from trialdesk.population import spark_job
from trialdesk.population.commands import export_canonical
from trialdesk.population.engines import DuckDBEngine
from trialdesk.population.facts import table_columns
from trialdesk.population.prescreen import compile_protocol
from trialdesk.population.store import open_facts
from trialdesk.population.synth import synthesize
from trialdesk.protocol.load import LoadedProtocol

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AS_OF = date(2026, 11, 20)
runner = CliRunner()


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    directory = tmp_path_factory.mktemp("facts")
    synthesize(80, 23, directory, AS_OF, knowledge)
    return directory


def test_the_job_writes_the_rows_duckdb_gives(
    spark: SparkSession,
    facts: Path,
    knowledge: Knowledge,
    protocols: dict[str, LoadedProtocol],
    tmp_path: Path,
) -> None:
    canonical = tmp_path / "canonical"
    export_canonical(facts, knowledge, canonical, buckets=3)
    output = tmp_path / "rows"
    runs = spark_job.run(spark.newSession(), str(canonical), str(output), list(protocols.values()), knowledge)
    assert [r.trial for r in runs] == list(protocols)
    engine = DuckDBEngine(open_facts(facts, knowledge, duckdb.connect()), owned=True)
    try:
        for r in runs:
            compiled = compile_protocol(protocols[r.trial], knowledge)
            expected = engine.arrow(compiled.stages, compiled.query).to_pylist()
            written = pq.read_table(r.destination).to_pylist()
            assert sorted(written, key=lambda row: row["patient_id"]) == expected
            statuses = [row["status"] for row in expected]
            assert r.statuses == {s: statuses.count(s) for s in ("eligible", "undetermined", "ineligible")}
    finally:
        engine.close()


def test_the_export_never_overwrites(facts: Path, knowledge: Knowledge, tmp_path: Path) -> None:
    target = tmp_path / "canonical"
    first = runner.invoke(app, ["population", "export", str(facts), "-o", str(target)])
    assert first.exit_code == 0, first.output
    assert {p.name for p in target.iterdir()} == {f"{t}.parquet" for t in table_columns()}
    again = runner.invoke(app, ["population", "export", str(facts), "-o", str(target)])
    assert again.exit_code != 0
    assert "not an empty directory" in again.output
    assert "Traceback" not in again.output


def test_the_job_names_its_file_and_refuses_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert spark_job.main(["--where"]) == 0
    assert Path(capsys.readouterr().out.strip()) == Path(spark_job.__file__)
    with pytest.raises(SystemExit):
        spark_job.main(["facts"])  # no --output
    with pytest.raises(SystemExit, match="not a date"):
        spark_job.main(["facts", "-o", "out", "--as-of", "20 Nov"])
    with pytest.raises(SystemExit):
        spark_job.main(["facts", "-o", "out", "--first-dose", "2026-12-01"])
    with pytest.raises(SystemExit):
        spark_job.main(["facts", "-o", "out", "--all", "--trial", "NCT07077564"])
