"""Blood counts and haemoglobin: each CTCAE v5.0 grade boundary on both sides, in both unit
systems CTCAE gives (×10⁹/L and /mm³ ≡ /µL; g/dL, g/L and mmol/L). Expected grades are read
off the CTCAE v5.0 tables (NCI, 27 Nov 2017); "<a – b" bands include b and exclude a."""

from __future__ import annotations

import pytest

from tests.ctcae.conftest import Grade

# CTCAE v5.0 Investigations, "Neutrophil count decreased": G1 <LLN–1500/mm³ (<LLN–1.5×10⁹/L),
# G2 <1500–1000, G3 <1000–500, G4 <500. LLN here 2.0×10⁹/L = 2000/µL.
NEUTROPHILS = [
    ("2.0", "10^9/L", "2.0", 0), ("1.99", "10^9/L", "2.0", 1), ("1.5", "10^9/L", "2.0", 1),
    ("1.49", "10^9/L", "2.0", 2), ("1.0", "10^9/L", "2.0", 2), ("0.99", "10^9/L", "2.0", 3),
    ("0.5", "10^9/L", "2.0", 3), ("0.49", "10^9/L", "2.0", 4),
    ("2000", "/uL", "2000", 0), ("1999", "/uL", "2000", 1), ("1500", "/mm3", "2000", 1),
    ("1499", "/mm3", "2000", 2), ("1000", "/µL", "2000", 2), ("999", "/µL", "2000", 3),
    ("500", "cells/uL", "2000", 3), ("499", "cells/uL", "2000", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), NEUTROPHILS)
def test_neutrophil_count_decreased(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Neutrophil count decreased"."""
    result = grade("Neutrophil count decreased", "anc", value, unit, reference_low=lln)
    assert result.grade == expected
    assert result.meddra_code == "10029366"
    assert not result.lab_only


# CTCAE v5.0 Investigations, "Platelet count decreased": G1 <LLN–75.0×10⁹/L (75,000/mm³),
# G2 <75–50, G3 <50–25, G4 <25. LLN 150×10⁹/L.
PLATELETS = [
    ("150", "10^9/L", "150", 0), ("149", "10^9/L", "150", 1), ("75", "10^9/L", "150", 1),
    ("74.9", "10^9/L", "150", 2), ("50", "10^9/L", "150", 2), ("49.9", "10^9/L", "150", 3),
    ("25", "10^9/L", "150", 3), ("24.9", "10^9/L", "150", 4),
    ("150000", "/uL", "150000", 0), ("149000", "/uL", "150000", 1), ("75000", "/uL", "150000", 1),
    ("74999", "/uL", "150000", 2), ("50000", "/uL", "150000", 2), ("49999", "/uL", "150000", 3),
    ("25000", "/uL", "150000", 3), ("24999", "/uL", "150000", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), PLATELETS)
def test_platelet_count_decreased(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Platelet count decreased"."""
    assert grade("Platelet count decreased", "platelets", value, unit, reference_low=lln).grade == expected


# CTCAE v5.0 Investigations, "White blood cell decreased": G1 <LLN–3.0×10⁹/L (3000/mm³),
# G2 <3.0–2.0, G3 <2.0–1.0, G4 <1.0. LLN 4.0×10⁹/L.
WBC = [
    ("4.0", "10^9/L", "4.0", 0), ("3.9", "10^9/L", "4.0", 1), ("3.0", "10^9/L", "4.0", 1),
    ("2.9", "10^9/L", "4.0", 2), ("2.0", "10^9/L", "4.0", 2), ("1.9", "10^9/L", "4.0", 3),
    ("1.0", "10^9/L", "4.0", 3), ("0.9", "10^9/L", "4.0", 4),
    ("4000", "/uL", "4000", 0), ("3999", "/uL", "4000", 1), ("3000", "/uL", "4000", 1),
    ("2999", "/uL", "4000", 2), ("2000", "/uL", "4000", 2), ("1999", "/uL", "4000", 3),
    ("1000", "/uL", "4000", 3), ("999", "/uL", "4000", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), WBC)
def test_white_blood_cell_decreased(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "White blood cell decreased"."""
    assert grade("White blood cell decreased", "wbc", value, unit, reference_low=lln).grade == expected


# CTCAE v5.0 Investigations, "Lymphocyte count decreased": G1 <LLN–0.8×10⁹/L (800/mm³),
# G2 <0.8–0.5, G3 <0.5–0.2, G4 <0.2. LLN 1.0×10⁹/L.
LYMPHOCYTES = [
    ("1.0", "10^9/L", "1.0", 0), ("0.99", "10^9/L", "1.0", 1), ("0.8", "10^9/L", "1.0", 1),
    ("0.79", "10^9/L", "1.0", 2), ("0.5", "10^9/L", "1.0", 2), ("0.49", "10^9/L", "1.0", 3),
    ("0.2", "10^9/L", "1.0", 3), ("0.19", "10^9/L", "1.0", 4),
    ("1000", "/uL", "1000", 0), ("999", "/uL", "1000", 1), ("800", "/uL", "1000", 1),
    ("799", "/uL", "1000", 2), ("500", "/uL", "1000", 2), ("499", "/uL", "1000", 3),
    ("200", "/uL", "1000", 3), ("199", "/uL", "1000", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), LYMPHOCYTES)
def test_lymphocyte_count_decreased(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Lymphocyte count decreased"."""
    assert grade("Lymphocyte count decreased", "lymphocytes", value, unit, reference_low=lln).grade == expected


# CTCAE v5.0 Blood and lymphatic system disorders, "Anemia": G1 Hb <LLN–10.0 g/dL
# (<LLN–100 g/L; <LLN–6.2 mmol/L), G2 <10.0–8.0 g/dL (<100–80 g/L; <6.2–4.9 mmol/L),
# G3 <8.0 g/dL (<80 g/L; <4.9 mmol/L) or transfusion indicated, G4 clinical only.
ANEMIA = [
    ("12.0", "g/dL", "12.0", 0), ("11.9", "g/dL", "12.0", 1), ("10.0", "g/dL", "12.0", 1),
    ("9.9", "g/dL", "12.0", 2), ("8.0", "g/dL", "12.0", 2), ("7.9", "g/dL", "12.0", 3),
    ("120", "g/L", "120", 0), ("119", "g/L", "120", 1), ("100", "g/L", "120", 1),
    ("99", "g/L", "120", 2), ("80", "g/L", "120", 2), ("79", "g/L", "120", 3),
    ("7.4", "mmol/L", "7.4", 0), ("7.3", "mmol/L", "7.4", 1), ("6.2", "mmol/L", "7.4", 1),
    ("6.1", "mmol/L", "7.4", 2), ("4.9", "mmol/L", "7.4", 2), ("4.8", "mmol/L", "7.4", 3),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), ANEMIA)
def test_anemia(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Anemia" (each unit system is graded on its own CTCAE table)."""
    result = grade("Anemia", "hemoglobin", value, unit, reference_low=lln)
    assert result.grade == expected
    assert result.meddra_code == "10002272"


@pytest.mark.parametrize(
    ("value", "grades"),
    [("12.5", (0,)), ("11.0", (1, 3)), ("9.0", (2, 3)), ("7.5", (3, 4))],
)
def test_anemia_readings_need_clinical_facts(grade: Grade, value: str, grades: tuple[int, ...]) -> None:
    """CTCAE v5.0 "Anemia": grade 3 is also "transfusion indicated" and grade 4 has no
    laboratory limit, so the value alone leaves the higher grade to clinical facts."""
    result = grade("Anemia", "hemoglobin", value, "g/dL", reference_low="12.0")
    assert result.grades == grades
    assert result.lab_only is (len(grades) > 1)
    if len(grades) > 1:
        assert result.readings[1].condition in (
            "transfusion indicated",
            "life-threatening consequences or urgent intervention indicated",
        )


def test_absolute_band_below_a_low_lln_still_grades(grade: Grade) -> None:
    """CTCAE v5.0 "Neutrophil count decreased" grade 2 is "<1500–1000/mm³" with no reference
    to the LLN: 1.45×10⁹/L is grade 2 even where a laboratory's LLN is 1.4."""
    assert grade("Neutrophil count decreased", "anc", "1.45", "10^9/L", reference_low="1.4").grade == 2


def test_absolute_band_needs_no_reference_range(grade: Grade) -> None:
    """CTCAE v5.0 "Neutrophil count decreased" grade 4 (<0.5×10⁹/L) does not read the LLN."""
    assert grade("Neutrophil count decreased", "anc", "0.3", "10^9/L").grade == 4


def test_loinc_code_and_thousand_per_microlitre(grade: Grade) -> None:
    """LOINC 751-8 is the ANC; 10³/µL reads the ×10⁹/L table (CTCAE v5.0 "Neutrophil count decreased")."""
    result = grade("Neutrophil count decreased", "751-8", "0.9", "10^3/uL", reference_low="1.8")
    assert result.grade == 3
    assert result.band == "<1.0–0.5 ×10⁹/L"
