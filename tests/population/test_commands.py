"""`trialdesk population synth` and `trialdesk prescreen`: the funnel printed equals the
counts of the rows written, in protocol order, and bad options get a message, not a
traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trialdesk.cli import app
from trialdesk.protocol.load import LoadedProtocol

runner = CliRunner()


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("facts")
    result = runner.invoke(app, ["population", "synth", "400", "--seed", "11", "-o", str(out), "--as-of", "2026-11-20"])
    assert result.exit_code == 0, result.output
    return out


def test_prescreen_writes_rows_whose_counts_are_the_funnel(
    facts: Path, tmp_path: Path, protocols: dict[str, LoadedProtocol]
) -> None:
    out = tmp_path / "rows.parquet"
    result = runner.invoke(app, ["prescreen", str(facts), "--all", "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    funnels = {f["trial"]: f for f in json.loads(result.stdout)}
    assert set(funnels) == set(protocols)
    for trial, f in funnels.items():
        rows = pq.read_table(tmp_path / f"rows-{trial}.parquet").to_pylist()
        assert len(rows) == f["total"] == 400
        criteria = [pc.criterion.id for pc in protocols[trial].criteria]
        assert [s["criterion"] for s in f["steps"]] == criteria
        still_in = {r["patient_id"] for r in rows}
        for step in f["steps"]:
            column = [r[step["criterion"]] for r in rows]
            assert step["passed"] == column.count("pass")
            assert step["failed"] == column.count("fail")
            assert step["unknown"] == column.count("unknown")
            still_in = {r["patient_id"] for r in rows if r["patient_id"] in still_in and r[step["criterion"]] != "fail"}
            assert step["remaining"] == len(still_in)
        statuses = [r["status"] for r in rows]
        assert f["statuses"] == {s: statuses.count(s) for s in ("eligible", "undetermined", "ineligible")}
        # a patient who fails nothing can start at the planned first dose
        for r in rows:
            if r["status"] != "ineligible":
                assert r["earliest_eligible"] is not None
        waiting = {w["criterion"]: w["patients"] for w in f["work_list"]}
        for cid, count in waiting.items():
            assert count == sum(1 for r in rows if r["status"] == "undetermined" and r[cid] == "unknown")


def test_a_memory_limit_gives_the_same_rows_and_removes_its_spill_directory(facts: Path, tmp_path: Path) -> None:
    """Under a cap below what DuckDB takes unbounded for this statement (it spills), the
    rows are those of the unbounded run; under one too small to run at all, a message."""
    spills = set(Path(tempfile.gettempdir()).glob("trialdesk-spill-*"))
    tables = {}
    for name, extra in (("free", []), ("capped", ["--memory-limit", "300MB"])):
        out = tmp_path / f"{name}.parquet"
        result = runner.invoke(app, ["prescreen", str(facts), "--trial", "NCT07520357", "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        tables[name] = pq.read_table(out).to_pylist()
    assert tables["capped"] == tables["free"]
    result = runner.invoke(app, ["prescreen", str(facts), "--trial", "NCT07520357", "--memory-limit", "100MB"])
    assert result.exit_code == 2
    assert "ran out of memory" in result.output
    assert "--memory-limit" in result.output
    assert "Traceback" not in result.output
    assert set(Path(tempfile.gettempdir()).glob("trialdesk-spill-*")) == spills


@pytest.mark.parametrize("engine", ["duckdb", "spark", "postgres"])
def test_show_sql_prints_one_statement_per_trial_in_the_dialect(engine: str) -> None:
    result = runner.invoke(app, ["prescreen", "--show-sql", "--trial", "NCT07520357", "--engine", engine])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("-- NCT07520357") == 1
    assert result.stdout.rstrip().endswith(";")
    # Spark quotes identifiers with backticks, the others with double quotes
    assert ("`sp`" in result.stdout) == (engine == "spark")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trial", "NCT00000000"], "no protocol for NCT00000000"),
        (["--all", "--engine", "oracle"], "is not an engine"),
        (["--all", "--engine", "postgres"], "--postgres-url"),
        ([], "--trial ID or use --all"),
        (["--all", "--first-dose", "2026-12-01"], "--first-dose needs --as-of"),
        (["--all", "--memory-limit", "lots"], "is not a size"),
    ],
)
def test_bad_options_get_a_message_and_exit_2(facts: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["prescreen", str(facts), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_facts_directory_is_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prescreen", str(tmp_path / "nowhere"), "--all"])
    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_prescreen_lists_whom_to_call_first_from_the_rows_it_writes(facts: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    result = runner.invoke(
        app, ["prescreen", str(facts), "-t", "NCT07077564", "--calls", "5", "-o", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    rows = {r["patient_id"]: r for r in pq.read_table(out).to_pylist()}
    calls = summary["calls"]
    eligible = summary["statuses"]["eligible"]
    assert len(calls) == 5
    # the eligible come first; a call's open criteria are its row's unknown verdicts
    assert [c["status"] for c in calls[: min(eligible, 5)]] == ["eligible"] * min(eligible, 5)
    for call in calls:
        row = rows[call["patient_id"]]
        assert call["status"] == row["status"]
        assert call["open_criteria"] == [k for k, v in row.items() if v == "unknown"]
    none = runner.invoke(app, ["prescreen", str(facts), "-t", "NCT07077564", "--calls", "0", "--format", "json"])
    assert json.loads(none.stdout)[0]["calls"] == []


def test_prescreen_html_is_the_report_of_the_same_funnel(facts: Path, protocols: dict[str, LoadedProtocol]) -> None:
    as_json = runner.invoke(app, ["prescreen", str(facts), "--all", "--calls", "3", "--format", "json"])
    as_html = runner.invoke(app, ["prescreen", str(facts), "--all", "--calls", "3", "--format", "html"])
    assert as_html.exit_code == 0, as_html.output
    page = as_html.stdout
    assert page.startswith("<!doctype html>")
    for summary in json.loads(as_json.stdout):
        trial = summary["trial"]
        assert f"<h2>{trial} — {summary['total']:,} patients</h2>" in page
        for name, count in summary["statuses"].items():
            assert f'<span class="status {name}">{name} {count:,}</span>' in page
        for step in summary["steps"]:
            assert f"<b>{step['criterion']}</b>" in page
        for call in summary["calls"]:
            assert f"<td>{call['patient_id']}</td>" in page
