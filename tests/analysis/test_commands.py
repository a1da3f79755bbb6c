"""`report_command` and `adam_command`: files written from JSON or the CSV form, bad input
as AnalysisError (the CLI prints it), never a traceback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.analysis.lesions import dataset, subject_with_reads
from trialdesk.analysis import TrialDataset, trial_dataset_to_csv
from trialdesk.analysis.commands import (
    adam_command,
    protocol_response_reading,
    protocol_target_enrolment,
    report_command,
)
from trialdesk.errors import AnalysisError

EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"


def small_file(tmp_path: Path) -> Path:
    data = dataset(
        subject_with_reads("A", [("2026-03-02", "PR", 20), ("2026-04-27", "PR", 18)]),
        subject_with_reads(
            "B", [("2026-03-02", "PD", 60)], death_date="2026-05-01", last_known_alive_date="2026-05-01"
        ),
        screened=3,
    )
    path = tmp_path / "t.json"
    path.write_text(data.model_dump_json(), encoding="utf-8")
    return path


def test_report_command_writes_one_html_file(tmp_path: Path) -> None:
    out = report_command(small_file(tmp_path), "T", tmp_path / "r.html", dt.date(2026, 6, 1), figure_format="svg")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "No design stated" in text  # trial T: no protocol, no target, no proposal


def test_report_command_states_the_proposal_for_nct07520357(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "NCT07520357.json").read_text(encoding="utf-8"))
    data["subjects"] = data["subjects"][:3]
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    text = report_command(path, "NCT07520357", tmp_path / "r.html", None, figure_format="svg").read_text()
    assert "Proposed design for NCT07520357" in text


def test_protocol_target_enrolment_reads_the_protocol() -> None:
    assert protocol_target_enrolment("NCT07077564") == 35
    assert protocol_target_enrolment("NCT07520357") is None
    assert protocol_target_enrolment("NCT00000000") is None


def test_adam_command_writes_three_files(tmp_path: Path) -> None:
    written = adam_command(small_file(tmp_path), "T", tmp_path / "adam", None)
    assert [p.name for p in written] == ["adsl.csv", "adrs.csv", "adtte.csv"]


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match=r"nope\.json: cannot read") as raised:
        report_command(tmp_path / "nope.json", "T", tmp_path / "r.html", None)
    assert raised.value.fix == "check the dataset path"


def test_wrong_trial_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="not 'NCT07077564'"):
        adam_command(small_file(tmp_path), "NCT07077564", tmp_path / "adam", None)


def test_a_lesion_read_without_its_response_names_subject_and_date(tmp_path: Path) -> None:
    bad = subject_with_reads("A", [("2026-03-02", "PR", 20)])
    bad["assessments"] = []
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"trial_id": "T", "subjects": [bad]}), encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"subject A: .*2026-03-02 have no time-point response"):
        report_command(path, "T", tmp_path / "r.html", None)


def test_an_impossible_date_names_the_field(tmp_path: Path) -> None:
    bad = subject_with_reads("A", [("2026-03-02", "PR", 20)])
    bad["lesion_measurements"][0]["date"] = "2026-02-30"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"trial_id": "T", "subjects": [bad]}), encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"subject A, lesion_measurements\[0\]\.date") as raised:
        adam_command(path, "T", tmp_path / "adam", None)
    assert "YYYY-MM-DD" in (raised.value.fix or "")


def csv_form(tmp_path: Path, trial: str) -> tuple[Path, Path, int]:
    """The shipped example's CSV form, cut to its first 12 subjects (both files)."""
    data = json.loads((EXAMPLES / f"{trial}.json").read_text(encoding="utf-8"))
    data["subjects"] = data["subjects"][:12]
    written = trial_dataset_to_csv(TrialDataset.model_validate(data))
    assessments, lesions = tmp_path / "trial.csv", tmp_path / "lesions.csv"
    assessments.write_text(written.assessments, encoding="utf-8")
    lesions.write_text(written.lesions, encoding="utf-8")
    return assessments, lesions, data["screened"]


def test_report_command_reads_the_csv_form_with_lesions_and_screened(tmp_path: Path) -> None:
    assessments, lesions, screened = csv_form(tmp_path, "NCT07520357")
    out = report_command(
        assessments, "NCT07520357", tmp_path / "r.html", None, lesions=lesions, screened=screened, figure_format="svg"
    )
    text = out.read_text(encoding="utf-8")
    results = json.loads(text[text.index('id="trialdesk-results">') + 23 : text.rindex("</script>")])
    assert results["subject_flow"]["screened"] == screened
    assert results["tumour_size"]["subjects"]  # the waterfall has the lesion reads
    assert results["interim"]["reading"]["reading"] == "confirmed"


def test_adam_command_reads_the_csv_form_as_it_reads_json(tmp_path: Path) -> None:
    assessments, lesions, screened = csv_form(tmp_path, "NCT07077564")
    from_csv = adam_command(assessments, "NCT07077564", tmp_path / "csv", None, lesions=lesions, screened=screened)
    data = json.loads((EXAMPLES / "NCT07077564.json").read_text(encoding="utf-8"))
    data["subjects"] = data["subjects"][:12]
    path = tmp_path / "same.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    from_json = adam_command(path, "NCT07077564", tmp_path / "json", None)
    assert [p.read_text(encoding="utf-8") for p in from_csv] == [p.read_text(encoding="utf-8") for p in from_json]


def test_a_bad_lesions_file_names_file_line_and_column(tmp_path: Path) -> None:
    assessments, lesions, _ = csv_form(tmp_path, "NCT07077564")
    rows = lesions.read_text(encoding="utf-8").splitlines()
    rows[3] = "999" + rows[3][3:]
    lesions.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"lesions\.csv line 4, column subject_id: subject '999' is not in"):
        report_command(assessments, "NCT07077564", tmp_path / "r.html", None, lesions=lesions)


def test_protocol_response_reading_follows_the_primary_endpoint() -> None:
    assert protocol_response_reading("NCT07520357").settled
    assert not protocol_response_reading("NCT07077564").settled
