"""The command line: exit codes, JSON shape, ordering of `match`, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trialdesk.cli import app

ROOT = Path(__file__).resolve().parents[1]
P = ROOT / "examples" / "patients"
runner = CliRunner()


def test_screen_json_has_the_documented_keys() -> None:
    result = runner.invoke(
        app,
        [
            "screen",
            str(P / "p01-eligible-both.json"),
            "--trial",
            "NCT07520357",
            "--as-of",
            "2026-11-20",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "trial",
        "protocol_sha256",
        "as_of",
        "first_dose",
        "status",
        "earliest_eligible_date",
        "expires_on",
        "needs",
        "criteria",
    ):
        assert key in data
    assert {"id", "kind", "verdict", "source", "evidence", "needs", "readings"} <= set(data["criteria"][0])
    assert data["status"] == "eligible"


def test_an_ineligible_screening_still_exits_zero() -> None:
    result = runner.invoke(
        app,
        ["screen", str(P / "p02-eligible-one-trial.json"), "-t", "NCT07520357", "--as-of", "2026-11-20", "-f", "json"],
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "ineligible"
    failing = [c for c in data["criteria"] if c["verdict"] == "fail"]
    # NCT07520357: "Hb ≥ 90 g/L"; P02 has 85 g/L
    assert [c["id"] for c in failing] == ["hemoglobin"]


def test_match_orders_eligible_then_undetermined_then_ineligible() -> None:
    result = runner.invoke(app, ["match", str(P / "p04-needs-review.json"), "--as-of", "2026-11-20", "-f", "json"])
    assert result.exit_code == 0
    statuses = [r["status"] for r in json.loads(result.stdout)]
    assert statuses == ["undetermined", "ineligible"]
    # each with the criteria that decided it (NCT07520357 readings to settle; NCT07077564 a DVT within 6 months)
    assert [r["deciding"] for r in json.loads(result.stdout)] == [
        ["prior_topoisomerase_1", "thrombosis"],
        ["thromboembolism"],
    ]


def test_folder_gives_one_row_per_patient_and_trial() -> None:
    result = runner.invoke(app, ["match", str(P), "--as-of", "2026-11-20"])
    assert result.exit_code == 0
    assert result.stdout.count("NCT07077564") == len(list(P.glob("*.json")))


def test_table_shows_failures_first_with_source_text() -> None:
    result = runner.invoke(
        app, ["screen", str(P / "p02-eligible-one-trial.json"), "-t", "NCT07520357", "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 0
    out = result.stdout
    assert out.index("fail") < out.index("pass")
    assert "Hb ≥ 90 g/L" in out  # the verbatim source sentence


def test_html_summary(tmp_path: Path) -> None:
    target = tmp_path / "summary.html"
    result = runner.invoke(
        app,
        [
            "screen",
            str(P / "p03-missing-data.json"),
            "-t",
            "NCT07077564",
            "--as-of",
            "2026-11-20",
            "-f",
            "html",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "UNDETERMINED" in html
    assert "Records and tests still needed" in html
    assert "absolute neutrophil count" in html


def test_malformed_record_exits_two_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "birth_date": "1960-13-45"}), encoding="utf-8")
    result = runner.invoke(app, ["screen", str(bad), "-t", "NCT07077564", "--as-of", "2026-11-20"])
    assert result.exit_code == 2
    assert "$.birth_date" in result.output
    assert "Traceback" not in result.output


def test_unknown_trial_exits_two() -> None:
    result = runner.invoke(app, ["screen", str(P / "p01-eligible-both.json"), "-t", "NCT00000000"])
    assert result.exit_code == 2
    assert "no protocol for NCT00000000" in result.output


def test_bad_date_exits_two() -> None:
    result = runner.invoke(
        app, ["screen", str(P / "p01-eligible-both.json"), "-t", "NCT07077564", "--as-of", "20/11/2026"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_protocol_commands() -> None:
    listed = runner.invoke(app, ["protocol", "list"])
    assert listed.exit_code == 0
    assert "NCT07077564" in listed.stdout
    assert "NCT07520357" in listed.stdout
    shown = runner.invoke(app, ["protocol", "show", "NCT07520357", "-f", "json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["id"] == "NCT07520357"
    valid = runner.invoke(app, ["protocol", "validate", str(ROOT / "protocols" / "NCT07077564.yaml")])
    assert valid.exit_code == 0
    assert "valid" in valid.stdout


def test_schema_patient_is_a_json_schema() -> None:
    result = runner.invoke(app, ["schema", "patient"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "Patient"
    assert "observations" in schema["properties"]


def test_ctcae_command_grades_the_example_labs() -> None:
    # CTCAE v5.0 "Neutrophil count decreased": <1000-500/mm3 is grade 3 (examples/ctcae/labs.json, S01: 0.9 × 10⁹/L)
    result = runner.invoke(app, ["ctcae", str(ROOT / "examples" / "ctcae" / "labs.json"), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    anc = next(r for r in rows if r["term"] == "Neutrophil count decreased")
    assert anc["grade"] == 3


def test_ctcae_bad_file_exits_two(tmp_path: Path) -> None:
    bad = tmp_path / "labs.json"
    bad.write_text("[{}]", encoding="utf-8")
    result = runner.invoke(app, ["ctcae", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_recist_command_gives_best_overall_response() -> None:
    result = runner.invoke(app, ["recist", str(ROOT / "examples" / "recist" / "assessments.json"), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) >= 3


def test_design_simon_prints_the_published_designs() -> None:
    # Simon, Control Clin Trials 1989;10:1-10, table for alpha 0.05, beta 0.20: p0 0.10, p1 0.30,
    # optimal 1/10 then 5/29 (EN0 15.0)
    result = runner.invoke(app, ["design", "simon", "--p0", "0.10", "--p1", "0.30", "-f", "json"])
    assert result.exit_code == 0, result.output
    optimal = json.loads(result.stdout)["simon"]["optimal"]
    assert (optimal["r1"], optimal["n1"], optimal["r"], optimal["n"]) == (1, 10, 5, 29)


def test_design_bad_rates_exit_two() -> None:
    result = runner.invoke(app, ["design", "simon", "--p0", "0.4", "--p1", "0.3"])
    assert result.exit_code == 2
    assert "p1" in result.output or "p0" in result.output


def test_analyse_reports_orr_with_its_exact_interval() -> None:
    result = runner.invoke(
        app,
        ["analyse", str(ROOT / "examples" / "analysis" / "NCT07077564.json"), "--cutoff", "2027-06-30", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    orr = json.loads(result.stdout)["orr"]
    # Clopper-Pearson interval recomputed independently from beta quantiles (R binom.test convention)
    from scipy.stats import beta

    k, n = orr["count"], orr["n"]
    low = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    assert abs(orr["ci_lower"] - low) < 1e-9
    assert abs(orr["ci_upper"] - high) < 1e-9


def test_analyse_report_and_adam_take_the_csv_form(tmp_path: Path) -> None:
    """--lesions and --screened beside a CSV dataset: the same analysis as the JSON example."""
    examples = ROOT / "examples" / "analysis"
    csv_form = [
        str(examples / "NCT07520357.csv"),
        "--trial",
        "NCT07520357",
        "--lesions",
        str(examples / "NCT07520357.lesions.csv"),
        "--screened",
        "44",
    ]
    from_json = runner.invoke(
        app, ["analyse", str(examples / "NCT07520357.json"), "--cutoff", "2026-10-01", "-f", "json"]
    )
    from_csv = runner.invoke(app, ["analyse", *csv_form, "--cutoff", "2026-10-01", "-f", "json"])
    assert from_csv.exit_code == 0, from_csv.output
    assert json.loads(from_csv.stdout) == json.loads(from_json.stdout)
    report = runner.invoke(app, ["report", *csv_form, "--out", str(tmp_path / "r.html"), "--svg"])
    assert report.exit_code == 0, report.output
    assert "<h2>Interim decision (Simon two-stage)</h2>" in (tmp_path / "r.html").read_text(encoding="utf-8")
    adam = runner.invoke(app, ["adam", *csv_form, "-o", str(tmp_path / "adam")])
    assert adam.exit_code == 0, adam.output


def test_a_bad_lesions_file_exits_two_naming_line_and_column(tmp_path: Path) -> None:
    examples = ROOT / "examples" / "analysis"
    rows = (examples / "NCT07520357.lesions.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",22.0,", ",2.2 cm,")
    bad = tmp_path / "lesions.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = str(examples / "NCT07520357.csv")
    result = runner.invoke(app, ["adam", dataset, "--trial", "NCT07520357", "--lesions", str(bad), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "lesions.csv line 2, column diameter_mm: '2.2 cm' is not a diameter in mm" in result.output
    assert "Traceback" not in result.output
