"""The import and export commands: exit status, the report on stderr, loadable output."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import ROOT
from trialdesk.ingest.cli import app, export_app
from trialdesk.patient.load import load_patient

FHIR = ROOT / "examples" / "fhir"


def test_import_writes_a_loadable_record_and_shows_the_report(tmp_path: Path) -> None:
    out = tmp_path / "patient.json"
    result = CliRunner().invoke(app, ["fhir", str(FHIR / "p01-unmapped-codes.fhir.json"), "-o", str(out)])
    assert result.exit_code == 0
    assert "Observation/ferritin-1" in result.output
    assert load_patient(out).id == "P01-eligible-both"


def test_import_json_carries_the_report() -> None:
    result = CliRunner().invoke(app, ["fhir", str(FHIR / "p01-unmapped-codes.fhir.json"), "--json"])
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["report"]["counts"]["unmapped"] == 3


def test_malformed_bundle_exits_2_without_traceback() -> None:
    result = CliRunner().invoke(app, ["fhir", str(FHIR / "malformed-missing-status.fhir.json")])
    assert result.exit_code == 2
    assert "Observation.status" in result.output
    assert "fix:" in result.output
    assert "Traceback" not in result.output


def test_export_patient_round_trips_through_import(tmp_path: Path) -> None:
    bundle = tmp_path / "p04.fhir.json"
    source = ROOT / "examples" / "patients" / "p04-needs-review.json"
    assert CliRunner().invoke(export_app, ["patient", str(source), "-o", str(bundle)]).exit_code == 0
    assert load_patient(bundle) == load_patient(source)
