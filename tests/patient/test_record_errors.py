"""Bad records get an error naming the field's JSON path and the fix; nothing is guessed."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trialdesk.errors import RecordError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import load_patient, patient_from_data
from trialdesk.patient.view import build_view

AS_OF = date(2026, 11, 20)


def _check(data: dict[str, Any], knowledge: Knowledge) -> None:
    build_view(patient_from_data(data), knowledge, AS_OF)


def _error(data: dict[str, Any], knowledge: Knowledge) -> RecordError:
    with pytest.raises(RecordError) as info:
        _check(data, knowledge)
    return info.value


def test_negative_weight(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["observations"][14]["value"] = -68
    err = _error(data, knowledge)
    assert err.path == "$.observations[14].value"
    assert "impossible" in err.message


def test_unit_that_does_not_convert(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["observations"][2]["unit"] = "mmol/mol"
    err = _error(data, knowledge)
    assert err.path == "$.observations[2].unit"
    assert err.fix
    assert "g/L" in err.fix


def test_unknown_lab_code(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["observations"][0]["code"] = "neutrophils_magic"
    with pytest.raises(Exception, match=r"\$\.observations\[0\]\.code: unknown lab code 'neutrophils_magic'"):
        _check(data, knowledge)


def test_a_loinc_code_is_accepted(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["observations"][0]["code"] = "751-8"  # LOINC Neutrophils [#/volume] in Blood by Automated count
    view = build_view(patient_from_data(data), knowledge, AS_OF)
    assert view.latest("anc")[0].value == Decimal("3.2")


def test_date_after_the_as_of_date(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["therapies"]["items"][0]["last_dose"] = "2026-12-01"
    err = _error(data, knowledge)
    assert err.path == "$.therapies.items[0].last_dose"
    assert "after the as-of date" in err.message


def test_planned_items_may_be_in_the_future(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["vaccinations"]["items"].append({"vaccine": "yellow fever", "date": "2027-01-10", "planned": True})
    _check(data, knowledge)


def test_unknown_field_names_its_path(base_record: dict[str, Any]) -> None:
    data = copy.deepcopy(base_record)
    data["history"]["items"][0]["onset_date"] = "2018-06-01"
    with pytest.raises(RecordError) as info:
        patient_from_data(data)
    assert info.value.path.endswith("$.history.items[0].onset_date")
    assert "spelling" in (info.value.fix or "")


def test_unknown_histology(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    data = copy.deepcopy(base_record)
    data["diagnoses"]["items"][0]["histology"] = "carcinoid-ish"
    assert _error(data, knowledge).path == "$.diagnoses.items[0].histology"


def test_a_documented_absence_carries_no_qualifiers(base_record: dict[str, Any]) -> None:
    data = copy.deepcopy(base_record)
    data["history"]["items"].append({"category": "myocardial_infarction", "present": False, "onset": "2020-01-01"})
    with pytest.raises(RecordError, match="remove onset"):
        patient_from_data(data)


def test_malformed_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "x", ', encoding="utf-8")
    with pytest.raises(RecordError, match="not valid JSON"):
        load_patient(path)


def test_reviewed_section_needs_its_date(base_record: dict[str, Any]) -> None:
    data = copy.deepcopy(base_record)
    del data["history"]["reviewed_on"]
    with pytest.raises(RecordError, match=r"\$\.history"):
        patient_from_data(data)


def test_every_example_record_is_valid(knowledge: Knowledge) -> None:
    folder = Path(__file__).resolve().parents[2] / "examples" / "patients"
    for path in sorted(folder.glob("*.json")):
        build_view(load_patient(path), knowledge, AS_OF)
    assert json.loads((folder / "p01-eligible-both.json").read_text())["id"] == "P01-eligible-both"
