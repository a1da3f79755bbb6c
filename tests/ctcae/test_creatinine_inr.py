"""Creatinine (multiples of ULN and of baseline, the higher grade counting) and INR (absolute,
or multiples of baseline on anticoagulation). Expected grades from the CTCAE v5.0 tables."""

from __future__ import annotations

import pytest

from tests.ctcae.conftest import Grade
from trialdesk.errors import CtcaeError

# CTCAE v5.0 Investigations, "Creatinine increased": G1 >ULN–1.5×ULN; G2 >1.5–3.0×ULN;
# G3 >3.0–6.0×ULN; G4 >6.0×ULN. ULN 1.2 mg/dL, and 106 µmol/L.
CREATININE_ULN = [
    ("1.2", "mg/dL", "1.2", 0), ("1.21", "mg/dL", "1.2", 1), ("1.8", "mg/dL", "1.2", 1),
    ("1.81", "mg/dL", "1.2", 2), ("3.6", "mg/dL", "1.2", 2), ("3.61", "mg/dL", "1.2", 3),
    ("7.2", "mg/dL", "1.2", 3), ("7.21", "mg/dL", "1.2", 4),
    ("106", "umol/L", "106", 0), ("107", "umol/L", "106", 1), ("159", "umol/L", "106", 1),
    ("160", "umol/L", "106", 2), ("318", "umol/L", "106", 2), ("319", "umol/L", "106", 3),
    ("636", "umol/L", "106", 3), ("637", "umol/L", "106", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "uln", "expected"), CREATININE_ULN)
def test_creatinine_increased_uln(grade: Grade, value: str, unit: str, uln: str, expected: int) -> None:
    """CTCAE v5.0 "Creatinine increased", multiples of ULN."""
    result = grade("Creatinine increased", "creatinine", value, unit, reference_high=uln)
    assert result.grade == expected
    assert result.meddra_code == "10011368"


# CTCAE v5.0 "Creatinine increased": G2 also >1.5–3.0×baseline, G3 also >3.0×baseline.
# ULN 1.2 mg/dL, baseline 0.5 mg/dL: by ULN 0.75–1.2 is grade 0 and 1.21–1.8 grade 1.
CREATININE_BASELINE = [
    ("0.75", "0.5", "mg/dL", 0),  # 1.5×baseline exactly, below ULN
    ("0.76", "0.5", "mg/dL", 2),  # >1.5×baseline beats "below ULN"
    ("1.5", "0.5", "mg/dL", 2),  # 3.0×baseline (grade 2) beats 1.25×ULN (grade 1)
    ("1.51", "0.5", "mg/dL", 3),  # >3.0×baseline (grade 3) beats grade 1 by ULN
    ("7.21", "0.5", "mg/dL", 4),  # >6.0×ULN: grade 4 by ULN beats grade 3 by baseline
    ("0.76", "44.2", "umol/L", 2),  # the baseline in µmol/L: 44.2 µmol/L = 0.5 mg/dL
]


@pytest.mark.parametrize(("value", "baseline", "baseline_unit", "expected"), CREATININE_BASELINE)
def test_creatinine_increased_baseline(
    grade: Grade, value: str, baseline: str, baseline_unit: str, expected: int
) -> None:
    """CTCAE v5.0 "Creatinine increased": ×ULN and ×baseline bands both apply; the higher grade counts."""
    result = grade(
        "Creatinine increased", "creatinine", value, "mg/dL",
        reference_high="1.2", baseline_value=baseline, baseline_unit=baseline_unit,
    )  # fmt: skip
    assert result.grade == expected
    assert any("the higher grade counts" in note for note in result.notes)


def test_creatinine_explanation_names_the_deciding_band(grade: Grade) -> None:
    """CTCAE v5.0 "Creatinine increased" G3 ">3.0 x baseline"."""
    result = grade("Creatinine increased", "creatinine", "1.51", "mg/dL", reference_high="1.2", baseline_value="0.5")
    assert result.band == ">3.0 × baseline"
    assert result.explanation == "Creatinine 1.51 mg/dL = 3.02 × baseline 0.5; band >3.0 × baseline → grade 3"


# CTCAE v5.0 Investigations, "INR increased", not on anticoagulation: G1 >1.2–1.5,
# G2 >1.5–2.5, G3 >2.5; no grade 4.
INR = [("1.2", 0), ("1.21", 1), ("1.5", 1), ("1.51", 2), ("2.5", 2), ("2.51", 3), ("6.0", 3)]


@pytest.mark.parametrize(("value", "expected"), INR)
@pytest.mark.parametrize("unit", ["{INR}", "1", "ratio"])
def test_inr_increased(grade: Grade, value: str, unit: str, expected: int) -> None:
    """CTCAE v5.0 "INR increased" (absolute; no reference range needed)."""
    result = grade("INR increased", "inr", value, unit)
    assert result.grade == expected
    assert result.meddra_code == "10022402"


# On anticoagulation, baseline 2.0: G1 >1–1.5×baseline, G2 >1.5–2.5×, G3 >2.5×baseline.
INR_ANTICOAGULATED = [("2.0", 0), ("2.01", 1), ("3.0", 1), ("3.01", 2), ("5.0", 2), ("5.01", 3)]


@pytest.mark.parametrize(("value", "expected"), INR_ANTICOAGULATED)
def test_inr_increased_on_anticoagulation(grade: Grade, value: str, expected: int) -> None:
    """CTCAE v5.0 "INR increased" on anticoagulation: multiples of baseline, not absolute INR."""
    result = grade("INR increased", "inr", value, "{INR}", on_anticoagulation=True, baseline_value="2.0")
    assert result.grade == expected
    assert result.scheme == "multiples of baseline (on anticoagulation)"


def test_inr_on_anticoagulation_needs_a_baseline(grade: Grade) -> None:
    """CTCAE v5.0 "INR increased": on anticoagulation the bands are multiples of baseline."""
    with pytest.raises(CtcaeError) as caught:
        grade("INR increased", "inr", "3.0", "{INR}", on_anticoagulation=True)
    assert caught.value.field == "baseline_value"


def test_inr_readings(grade: Grade) -> None:
    """CTCAE v5.0 "INR increased": grade 2 is also "dose adjustment indicated", grade 3 "bleeding"."""
    assert grade("INR increased", "inr", "1.4", "1").grades == (1, 2)
    assert grade("INR increased", "inr", "2.0", "1").grades == (2, 3)
    assert grade("INR increased", "inr", "3.0", "1").grades == (3,)
