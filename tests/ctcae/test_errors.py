"""What cannot be graded is an error naming the row and the field, never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ctcae.conftest import Grade, observation
from trialdesk.ctcae import CtcaeCriteria, grade_labs, grade_observation
from trialdesk.errors import CtcaeError, TrialdeskError
from trialdesk.knowledge.base import Knowledge


@pytest.mark.parametrize(
    ("term", "lab", "value", "unit", "fields", "missing"),
    [
        # CTCAE v5.0 "Neutrophil count decreased" grade 1 starts at the LLN
        ("Neutrophil count decreased", "anc", "1.7", "10^9/L", {}, "reference_low"),
        # CTCAE v5.0 "Hyperkalemia" grade 1 starts at the ULN
        ("Hyperkalemia", "potassium", "5.3", "mmol/L", {"reference_low": "3.5"}, "reference_high"),
        # CTCAE v5.0 "Creatinine increased" is graded in multiples of the ULN
        ("Creatinine increased", "creatinine", "90", "umol/L", {"baseline_value": "60"}, "reference_high"),
        # CTCAE v5.0 "GGT increased": a baseline needs its own range to say if it was abnormal
        (
            "GGT increased",
            "ggt",
            "90",
            "U/L",
            {"reference_high": "60", "baseline_value": "80"},
            "baseline_reference_high",
        ),
    ],
)
def test_missing_reference_is_an_error(
    grade: Grade, term: str, lab: str, value: str, unit: str, fields: dict[str, Any], missing: str
) -> None:
    with pytest.raises(CtcaeError) as caught:
        grade(term, lab, value, unit, **fields)
    assert caught.value.field == missing
    assert caught.value.fix


def test_grade_labs_names_the_row(knowledge: Knowledge, criteria: CtcaeCriteria) -> None:
    rows = [
        observation("alt", "30", "U/L", reference_high="40"),
        observation("alt", "130", "U/L", reference_low="7"),
    ]
    with pytest.raises(CtcaeError) as caught:
        grade_labs(rows, knowledge, criteria)
    assert (caught.value.row, caught.value.field) == (2, "reference_high")
    assert str(caught.value).startswith("row 2, reference_high: ")


@pytest.mark.parametrize(
    ("lab", "value", "unit", "fields", "field"),
    [
        ("alt", "30", "mg/dL", {"reference_high": "40"}, "unit"),
        ("alt", "30", "U/L", {"reference_high": "40", "reference_unit": "mmol/L"}, "reference_unit"),
        (
            "calcium",
            "2.3",
            "mmol/L",
            {"reference_low": "2.1", "albumin_value": "30", "albumin_unit": "mmol/L"},
            "albumin_unit",
        ),
        ("not_a_lab", "1", "U/L", {}, "lab"),
        ("pt", "12", "s", {}, "lab"),  # a lab no CTCAE v5.0 term in the criteria reads
        ("hbsag", "1", "U/L", {}, "lab"),  # qualitative
        ("potassium", "25", "mmol/L", {}, "value"),  # impossible
    ],
)
def test_input_errors_name_the_field(
    knowledge: Knowledge, criteria: CtcaeCriteria, lab: str, value: str, unit: str, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(CtcaeError) as caught:
        grade_observation(observation(lab, value, unit, **fields), knowledge, criteria, row=7)
    assert (caught.value.field, caught.value.row) == (field, 7)
    assert isinstance(caught.value, TrialdeskError)


def test_observation_model_refuses_inconsistent_rows() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="reference_low is above reference_high"):
        observation("alt", "30", "U/L", reference_low="50", reference_high="40")
    with pytest.raises(ValidationError, match="albumin_value and albumin_unit go together"):
        observation("calcium", "2.3", "mmol/L", albumin_value="30")
    with pytest.raises(ValidationError, match="without baseline_value"):
        observation("alt", "30", "U/L", baseline_reference_high="40")
