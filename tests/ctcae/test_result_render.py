"""Results print for people (`__str__`, a Rich table) and export for machines (`to_dict`)."""

from __future__ import annotations

import json
from datetime import date

from rich.console import Console

from tests.ctcae.conftest import Grade
from trialdesk.ctcae import render_table, render_worst_table, worst_grades


def test_result_str_and_dict(grade: Grade) -> None:
    """The brief's example: CTCAE v5.0 "Alanine aminotransferase increased", 112 U/L with ULN 40."""
    result = grade("Alanine aminotransferase increased", "alt", "112", "U/L", reference_high="40")
    assert str(result) == (
        "S01 2026-03-02 Alanine aminotransferase increased [10001551]: grade 1\n"
        "  ALT 112 U/L = 2.8 × ULN 40; band >ULN–3.0 × ULN → grade 1"
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["grade"] == 1
    assert data["meddra_code"] == "10001551"
    assert data["band"] == ">ULN–3.0 × ULN"
    assert data["lab_only"] is False
    assert data["readings"] == [{"grade": 1, "condition": "laboratory value alone"}]


def test_lab_only_result_prints_its_readings(grade: Grade) -> None:
    result = grade("Hyponatremia", "sodium", "126", "mmol/L", reference_low="135")
    assert "grade 2 (laboratory value only: grade 2 if asymptomatic; grade 3 if symptomatic)" in str(result)
    assert result.to_dict()["grades"] == [2, 3]


def test_result_is_frozen(grade: Grade) -> None:
    import dataclasses

    import pytest

    result = grade("Hyperkalemia", "potassium", "5.8", "mmol/L", reference_high="5.1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.grade = 0  # type: ignore[misc]


def test_render_tables(grade: Grade) -> None:
    results = [
        grade("Neutrophil count decreased", "anc", "0.4", "10^9/L", reference_low="1.8"),
        grade("Hyponatremia", "sodium", "127", "mmol/L", reference_low="135"),
        grade("Hypocalcemia", "calcium", "2.0", "mmol/L", reference_low="2.15"),
    ]
    console = Console(width=200, record=True)
    console.print(render_table(results))
    console.print(render_worst_table(worst_grades(results, date(2026, 3, 1), date(2026, 3, 31))))
    text = console.export_text()
    assert "Neutrophil count decreased" in text
    assert "<0.5 ×10⁹/L" in text
    assert "grade 2 if asymptomatic; grade 3 if symptomatic" in text
    assert "note: albumin not given" in text
