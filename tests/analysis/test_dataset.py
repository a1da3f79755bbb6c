"""The trial dataset: the JSON form, errors that name subject and field, and the data cut-off
(the CSV form: test_dataset_io.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from trialdesk.analysis import (
    dataset_at_cutoff,
    load_trial_dataset,
    subject_at_cutoff,
    trial_dataset_from_data,
    trial_dataset_schema,
)
from trialdesk.errors import AnalysisError

EXAMPLES = Path(__file__).parents[2] / "examples" / "analysis"
d = dt.date


def subject(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "subject_id": "001",
        "enrolment_date": "2026-01-05",
        "first_dose_date": "2026-01-07",
        "last_dose_date": "2026-06-30",
        "assessments": [{"date": "2026-03-02", "response": "PR"}, {"date": "2026-07-01", "response": "PD"}],
        "death_date": None,
        "last_known_alive_date": "2026-09-01",
        "end_of_treatment_date": "2026-07-02",
        "end_of_treatment_reason": "progression",
        "subsequent_therapy_date": "2026-08-01",
        "lesion_measurements": [],
    }
    return record | changes


def test_examples_load_with_their_sizes() -> None:
    first = load_trial_dataset(EXAMPLES / "NCT07077564.json")
    second = load_trial_dataset(EXAMPLES / "NCT07520357.json", trial_id="NCT07520357")
    assert (first.trial_id, len(first.subjects)) == ("NCT07077564", 35)
    assert len(second.subjects) == 29


def test_schema_names_every_subject_field() -> None:
    schema = trial_dataset_schema()
    fields = set(schema["$defs"]["TrialSubject"]["properties"])
    assert set(subject()) == fields


def test_bad_response_names_subject_and_field() -> None:
    bad = subject(assessments=[{"date": "2026-03-02", "response": "MR"}])
    with pytest.raises(AnalysisError, match=r"subject 001, assessments\[0\]\.response") as raised:
        trial_dataset_from_data({"trial_id": "T", "subjects": [bad]})
    assert "permitted values" in (raised.value.fix or "")


def test_impossible_dates_name_the_subject() -> None:
    with pytest.raises(AnalysisError, match=r"subject 007.*death_date 2025-12-01 is before enrolment_date"):
        trial_dataset_from_data({"trial_id": "T", "subjects": [subject(subject_id="007", death_date="2025-12-01")]})


def test_duplicate_subject_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="'001' appears twice"):
        trial_dataset_from_data({"trial_id": "T", "subjects": [subject(), subject()]})


def test_json_trial_id_must_match(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"trial_id": "A", "subjects": [subject()]}), encoding="utf-8")
    with pytest.raises(AnalysisError, match="not 'B'"):
        load_trial_dataset(path, trial_id="B")


def test_cutoff_hides_everything_after_it() -> None:
    dataset = trial_dataset_from_data({"trial_id": "T", "subjects": [subject(death_date="2026-10-01")]})
    seen = subject_at_cutoff(dataset.subjects[0], d(2026, 6, 1))
    assert seen is not None
    assert [a.response for a in seen.assessments] == ["PR"]
    assert seen.death_date is None
    assert seen.last_dose_date is None  # treatment was ongoing at the cut-off
    assert (seen.end_of_treatment_date, seen.end_of_treatment_reason) == (None, None)
    assert seen.subsequent_therapy_date is None
    assert seen.last_known_alive_date == d(2026, 6, 1)


def test_cutoff_drops_subjects_enrolled_later() -> None:
    dataset = trial_dataset_from_data(
        {"trial_id": "T", "subjects": [subject(), subject(subject_id="002", enrolment_date="2026-01-06")]}
    )
    assert [s.subject_id for s in dataset_at_cutoff(dataset, d(2026, 1, 5)).subjects] == ["001"]


def test_shipped_schema_is_the_models() -> None:
    """examples/analysis/trial_dataset.schema.json is TrialDataset's JSON Schema (rerun generate.py if not)."""
    shipped = json.loads((EXAMPLES / "trial_dataset.schema.json").read_text(encoding="utf-8"))
    assert shipped == trial_dataset_schema()


def test_generator_is_seeded_and_reproduces_the_shipped_files() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = module.generate("NCT07077564", 35, seed=7077564, first_enrolment=d(2025, 3, 3), response_rate=0.3)
    shipped = json.loads((EXAMPLES / "NCT07077564.json").read_text(encoding="utf-8"))
    assert data == shipped
