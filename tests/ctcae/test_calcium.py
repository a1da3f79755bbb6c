"""Calcium: CTCAE v5.0 grades corrected serum calcium (Payne's albumin correction) or
ionised calcium, each in the unit system CTCAE gives. Expected grades from the CTCAE v5.0
tables; corrected values by Payne RB et al., BMJ 1973;4:643–646 (Ca + 0.8 × (4 − albumin g/dL))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.ctcae.conftest import Grade
from trialdesk.ctcae import corrected_calcium_payne
from trialdesk.knowledge.base import Knowledge

NORMAL_ALBUMIN = {"albumin_value": "4.0", "albumin_unit": "g/dL"}  # Payne's correction is 0 at 4.0 g/dL

# CTCAE v5.0 "Hypocalcemia", corrected serum calcium: G1 <LLN–8.0 mg/dL (<LLN–2.0 mmol/L);
# G2 <8.0–7.0 mg/dL (<2.0–1.75); G3 <7.0–6.0 (<1.75–1.5); G4 <6.0 mg/dL (<1.5 mmol/L).
HYPOCALCEMIA = [
    ("8.5", "mg/dL", "8.5", 0), ("8.4", "mg/dL", "8.5", 1), ("8.0", "mg/dL", "8.5", 1),
    ("7.9", "mg/dL", "8.5", 2), ("7.0", "mg/dL", "8.5", 2), ("6.9", "mg/dL", "8.5", 3),
    ("6.0", "mg/dL", "8.5", 3), ("5.9", "mg/dL", "8.5", 4),
    ("2.15", "mmol/L", "2.15", 0), ("2.14", "mmol/L", "2.15", 1), ("2.0", "mmol/L", "2.15", 1),
    ("1.99", "mmol/L", "2.15", 2), ("1.75", "mmol/L", "2.15", 2), ("1.74", "mmol/L", "2.15", 3),
    ("1.5", "mmol/L", "2.15", 3), ("1.49", "mmol/L", "2.15", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), HYPOCALCEMIA)
def test_hypocalcemia_corrected(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Hypocalcemia" (corrected serum calcium)."""
    result = grade("Hypocalcemia", "calcium", value, unit, reference_low=lln, **NORMAL_ALBUMIN)
    assert result.grade == expected
    assert result.meddra_code == "10020949"


# CTCAE v5.0 "Hypercalcemia", corrected serum calcium: G1 >ULN–11.5 mg/dL (>ULN–2.9 mmol/L);
# G2 >11.5–12.5 (>2.9–3.1); G3 >12.5–13.5 (>3.1–3.4); G4 >13.5 mg/dL (>3.4 mmol/L).
HYPERCALCEMIA = [
    ("10.5", "mg/dL", "10.5", 0), ("10.6", "mg/dL", "10.5", 1), ("11.5", "mg/dL", "10.5", 1),
    ("11.6", "mg/dL", "10.5", 2), ("12.5", "mg/dL", "10.5", 2), ("12.6", "mg/dL", "10.5", 3),
    ("13.5", "mg/dL", "10.5", 3), ("13.6", "mg/dL", "10.5", 4),
    ("2.6", "mmol/L", "2.6", 0), ("2.61", "mmol/L", "2.6", 1), ("2.9", "mmol/L", "2.6", 1),
    ("2.91", "mmol/L", "2.6", 2), ("3.1", "mmol/L", "2.6", 2), ("3.11", "mmol/L", "2.6", 3),
    ("3.4", "mmol/L", "2.6", 3), ("3.41", "mmol/L", "2.6", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "uln", "expected"), HYPERCALCEMIA)
def test_hypercalcemia_corrected(grade: Grade, value: str, unit: str, uln: str, expected: int) -> None:
    """CTCAE v5.0 "Hypercalcemia" (corrected serum calcium)."""
    result = grade("Hypercalcemia", "calcium", value, unit, reference_high=uln, **NORMAL_ALBUMIN)
    assert result.grade == expected
    assert result.meddra_code == "10020587"


def test_mg_dl_table_is_used_for_mg_dl_values(grade: Grade) -> None:
    """CTCAE v5.0 "Hypercalcemia" gives 11.5 mg/dL and 2.9 mmol/L, which are not the same
    amount (11.5 mg/dL = 2.87 mmol/L): 11.6 mg/dL (2.894 mmol/L) is grade 2 on the mg/dL table."""
    result = grade("Hypercalcemia", "calcium", "11.6", "mg/dL", reference_high="10.5", **NORMAL_ALBUMIN)
    assert (result.grade, result.band) == (2, ">11.5–12.5 mg/dL")


# CTCAE v5.0 "Hypocalcemia", ionized calcium: G1 <LLN–1.0 mmol/L; G2 <1.0–0.9; G3 <0.9–0.8;
# G4 <0.8. "Hypercalcemia", ionized: G1 >ULN–1.5; G2 >1.5–1.6; G3 >1.6–1.8; G4 >1.8 mmol/L.
IONIZED_LOW = [("1.15", 0), ("1.14", 1), ("1.0", 1), ("0.99", 2), ("0.9", 2), ("0.89", 3), ("0.8", 3), ("0.79", 4)]
IONIZED_HIGH = [("1.3", 0), ("1.31", 1), ("1.5", 1), ("1.51", 2), ("1.6", 2), ("1.61", 3), ("1.8", 3), ("1.81", 4)]


@pytest.mark.parametrize(("value", "expected"), IONIZED_LOW)
@pytest.mark.parametrize("lab", ["ionized_calcium", "1994-3"])
def test_hypocalcemia_ionized(grade: Grade, lab: str, value: str, expected: int) -> None:
    """CTCAE v5.0 "Hypocalcemia" (ionized calcium; LOINC 1994-3); albumin does not apply."""
    result = grade("Hypocalcemia", lab, value, "mmol/L", reference_low="1.15", reference_high="1.3", **NORMAL_ALBUMIN)
    assert (result.grade, result.scheme) == (expected, "ionized calcium")


@pytest.mark.parametrize(("value", "expected"), IONIZED_HIGH)
def test_hypercalcemia_ionized(grade: Grade, value: str, expected: int) -> None:
    """CTCAE v5.0 "Hypercalcemia" (ionized calcium)."""
    assert grade("Hypercalcemia", "ionized_calcium", value, "mmol/L", reference_high="1.3").grade == expected


@pytest.mark.parametrize(("value", "expected"), [("4.0", 2), ("4.01", 1)])
def test_ionized_calcium_in_mg_dl(grade: Grade, value: str, expected: int) -> None:
    """CTCAE v5.0 gives ionized calcium in mmol/L only: 4.0 mg/dL = 0.998 mmol/L (grade 2,
    <1.0–0.9), 4.01 mg/dL = 1.0005 mmol/L (grade 1). LLN 4.6 mg/dL."""
    result = grade("Hypocalcemia", "ionized_calcium", value, "mg/dL", reference_low="4.6", reference_unit="mg/dL")
    assert result.grade == expected


def test_payne_formula(knowledge: Knowledge) -> None:
    """Payne 1973: corrected Ca (mg/dL) = Ca + 0.8 × (4.0 − albumin g/dL); 0.8 mg/dL = 0.1996 mmol/L."""
    assert corrected_calcium_payne(Decimal("7.6"), "mg/dL", Decimal("2.0"), "g/dL", knowledge) == Decimal("9.2")
    assert corrected_calcium_payne(Decimal("7.6"), "mg/dL", Decimal("20"), "g/L", knowledge) == Decimal("9.2")
    assert corrected_calcium_payne(Decimal("9.0"), "mg/dL", Decimal("4.5"), "g/dL", knowledge) == Decimal("8.6")
    assert corrected_calcium_payne(Decimal("1.90"), "mmol/L", Decimal("20"), "g/L", knowledge) == Decimal("2.2992")


def test_low_albumin_lifts_calcium_out_of_hypocalcemia(grade: Grade) -> None:
    """CTCAE v5.0 "Hypocalcemia" grades corrected calcium: 7.6 mg/dL with albumin 2.0 g/dL is
    9.2 mg/dL corrected, within normal limits (LLN 8.5) — though 7.6 uncorrected is grade 2."""
    corrected = grade(
        "Hypocalcemia", "calcium", "7.6", "mg/dL", reference_low="8.5", albumin_value="2.0", albumin_unit="g/dL"
    )
    assert corrected.grade == 0
    assert "corrected for albumin 2.0 g/dL (Payne) = 9.2 mg/dL" in corrected.explanation
    uncorrected = grade("Hypocalcemia", "calcium", "7.6", "mg/dL", reference_low="8.5")
    assert uncorrected.grade == 2
    assert uncorrected.notes == ("albumin not given: total calcium graded as measured, not corrected for albumin",)


def test_low_albumin_raises_hypercalcemia_grade(grade: Grade) -> None:
    """CTCAE v5.0 "Hypercalcemia": 10.4 mg/dL with albumin 20 g/L is 12.0 mg/dL corrected (grade 2)."""
    result = grade(
        "Hypercalcemia", "calcium", "10.4", "mg/dL", reference_high="10.5", albumin_value="20", albumin_unit="g/L"
    )
    assert result.grade == 2


def test_corrected_calcium_in_mmol_l(grade: Grade) -> None:
    """CTCAE v5.0 "Hypocalcemia": 1.90 mmol/L with albumin 20 g/L → 2.2992 mmol/L, grade 0 (LLN 2.15)."""
    assert (
        grade(
            "Hypocalcemia", "calcium", "1.90", "mmol/L", reference_low="2.15", albumin_value="20", albumin_unit="g/L"
        ).grade
        == 0
    )
