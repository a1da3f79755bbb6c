"""Liver enzymes and bilirubin: CTCAE v5.0 bands by multiples of the observation's own ULN,
and the v5.0 abnormal-baseline rule (multiples of baseline when the baseline was above its
own ULN). Expected grades are read off the CTCAE v5.0 tables (NCI, 27 Nov 2017)."""

from __future__ import annotations

import pytest

from tests.ctcae.conftest import Grade
from trialdesk.errors import CtcaeError

# CTCAE v5.0 Investigations, "Alanine aminotransferase increased" and "Aspartate
# aminotransferase increased", baseline normal: G1 >ULN–3.0×ULN, G2 >3.0–5.0×ULN,
# G3 >5.0–20.0×ULN, G4 >20.0×ULN. ULN 40 U/L, and 0.5 µkat/L (1 µkat/L = 60 U/L).
TRANSAMINASE = [
    ("40", "U/L", "40", 0), ("41", "U/L", "40", 1), ("120", "U/L", "40", 1), ("121", "U/L", "40", 2),
    ("200", "U/L", "40", 2), ("201", "U/L", "40", 3), ("800", "U/L", "40", 3), ("801", "U/L", "40", 4),
    ("0.5", "ukat/L", "0.5", 0), ("0.51", "ukat/L", "0.5", 1), ("1.5", "ukat/L", "0.5", 1),
    ("1.51", "ukat/L", "0.5", 2), ("2.5", "µkat/L", "0.5", 2), ("2.51", "µkat/L", "0.5", 3),
    ("10.0", "µkat/L", "0.5", 3), ("10.01", "µkat/L", "0.5", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "uln", "expected"), TRANSAMINASE)
@pytest.mark.parametrize(
    ("term", "lab", "meddra"),
    [
        ("Alanine aminotransferase increased", "alt", "10001551"),
        ("Aspartate aminotransferase increased", "ast", "10003481"),
    ],
)
def test_transaminases_baseline_normal(
    grade: Grade, term: str, lab: str, meddra: str, value: str, unit: str, uln: str, expected: int
) -> None:
    """CTCAE v5.0 "Alanine/Aspartate aminotransferase increased", baseline normal."""
    result = grade(term, lab, value, unit, reference_high=uln)
    assert result.grade == expected
    assert result.meddra_code == meddra


# Baseline abnormal (baseline 80 U/L above its ULN 40): G1 1.5–3.0×baseline (1.5 included),
# G2 >3.0–5.0, G3 >5.0–20.0, G4 >20.0×baseline.
TRANSAMINASE_ABNORMAL_BASELINE = [
    ("119", 0), ("120", 1), ("240", 1), ("241", 2), ("400", 2), ("401", 3), ("1600", 3), ("1601", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), TRANSAMINASE_ABNORMAL_BASELINE)
@pytest.mark.parametrize("term", ["Alanine aminotransferase increased", "Aspartate aminotransferase increased"])
def test_transaminases_baseline_abnormal(grade: Grade, term: str, value: str, expected: int) -> None:
    """CTCAE v5.0 "Alanine/Aspartate aminotransferase increased", baseline abnormal."""
    lab = "alt" if term.startswith("Alanine") else "ast"
    result = grade(term, lab, value, "U/L", reference_high="40", baseline_value="80", baseline_reference_high="40")
    assert result.grade == expected
    assert "baseline" in result.scheme


def test_normal_baseline_grades_on_uln(grade: Grade) -> None:
    """CTCAE v5.0 "Alanine aminotransferase increased": a baseline within its range keeps the
    ×ULN bands. ALT 100 = 2.5×ULN → grade 1 (it would be 3.3×baseline, grade 2, on the other)."""
    result = grade(
        "Alanine aminotransferase increased", "alt", "100", "U/L",
        reference_high="40", baseline_value="30", baseline_reference_high="40",
    )  # fmt: skip
    assert result.grade == 1
    assert result.explanation == "ALT 100 U/L = 2.5 × ULN 40; band >ULN–3.0 × ULN → grade 1"
    assert any("within its reference range" in n for n in result.notes)


def test_abnormal_baseline_in_other_unit_and_no_uln_needed(grade: Grade) -> None:
    """CTCAE v5.0 "Alanine aminotransferase increased", baseline abnormal: the bands read the
    baseline only (here 1.0 µkat/L = 60 U/L above its ULN 0.6 µkat/L = 36 U/L), so the value's
    own ULN is not needed. 181 U/L > 3.0 × 60 → grade 2."""
    result = grade(
        "Alanine aminotransferase increased", "alt", "181", "U/L",
        baseline_value="1.0", baseline_unit="ukat/L", baseline_reference_high="0.6",
    )  # fmt: skip
    assert result.grade == 2
    assert result.explanation.startswith("ALT 181 U/L = 3.02 × baseline 60;")


def test_baseline_without_its_range_is_an_error(grade: Grade) -> None:
    """CTCAE v5.0's abnormal-baseline rule needs to know whether the baseline was abnormal."""
    with pytest.raises(CtcaeError) as caught:
        grade("Alanine aminotransferase increased", "alt", "100", "U/L", reference_high="40", baseline_value="80")
    assert caught.value.field == "baseline_reference_high"


# CTCAE v5.0 Investigations, "Blood bilirubin increased", baseline normal: G1 >ULN–1.5×ULN,
# G2 >1.5–3.0×ULN, G3 >3.0–10.0×ULN, G4 >10.0×ULN. ULN 1.2 mg/dL, and 20 µmol/L.
BILIRUBIN = [
    ("1.2", "mg/dL", "1.2", 0), ("1.21", "mg/dL", "1.2", 1), ("1.8", "mg/dL", "1.2", 1),
    ("1.81", "mg/dL", "1.2", 2), ("3.6", "mg/dL", "1.2", 2), ("3.61", "mg/dL", "1.2", 3),
    ("12.0", "mg/dL", "1.2", 3), ("12.01", "mg/dL", "1.2", 4),
    ("20", "umol/L", "20", 0), ("20.1", "umol/L", "20", 1), ("30", "umol/L", "20", 1),
    ("30.1", "µmol/L", "20", 2), ("60", "µmol/L", "20", 2), ("60.1", "µmol/L", "20", 3),
    ("200", "μmol/L", "20", 3), ("200.1", "μmol/L", "20", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "uln", "expected"), BILIRUBIN)
def test_blood_bilirubin_increased(grade: Grade, value: str, unit: str, uln: str, expected: int) -> None:
    """CTCAE v5.0 "Blood bilirubin increased", baseline normal."""
    result = grade("Blood bilirubin increased", "bilirubin_total", value, unit, reference_high=uln)
    assert result.grade == expected
    assert result.meddra_code == "10005364"


@pytest.mark.parametrize(("value", "expected"), [("30.78", 1), ("30.79", 2)])
def test_bilirubin_uln_in_another_unit(grade: Grade, value: str, expected: int) -> None:
    """CTCAE v5.0 "Blood bilirubin increased": ULN 1.2 mg/dL = 20.52 µmol/L (1 mg/dL = 17.1
    µmol/L), so 30.78 µmol/L is exactly 1.5×ULN (grade 1) and 30.79 is above (grade 2)."""
    result = grade(
        "Blood bilirubin increased", "bilirubin_total", value, "umol/L", reference_high="1.2", reference_unit="mg/dL"
    )
    assert result.grade == expected


# Baseline abnormal (30 µmol/L, above its ULN 20): G1 >1.0–1.5×baseline, G2 >1.5–3.0,
# G3 >3.0–10.0, G4 >10.0×baseline.
BILIRUBIN_ABNORMAL_BASELINE = [
    ("30", 0), ("30.1", 1), ("45", 1), ("45.1", 2), ("90", 2), ("90.1", 3), ("300", 3), ("300.1", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), BILIRUBIN_ABNORMAL_BASELINE)
def test_blood_bilirubin_baseline_abnormal(grade: Grade, value: str, expected: int) -> None:
    """CTCAE v5.0 "Blood bilirubin increased", baseline abnormal."""
    result = grade(
        "Blood bilirubin increased", "bilirubin_total", value, "umol/L",
        reference_high="20", baseline_value="30", baseline_reference_high="20",
    )  # fmt: skip
    assert result.grade == expected


# CTCAE v5.0 Investigations, "Alkaline phosphatase increased" and "GGT increased", baseline
# normal: G1 >ULN–2.5×ULN, G2 >2.5–5.0, G3 >5.0–20.0, G4 >20.0×ULN (ULN 100 U/L, 1.667 µkat/L).
CHOLESTATIC = [
    ("100", "U/L", "100", 0), ("101", "U/L", "100", 1), ("250", "U/L", "100", 1), ("251", "U/L", "100", 2),
    ("500", "U/L", "100", 2), ("501", "U/L", "100", 3), ("2000", "U/L", "100", 3), ("2001", "U/L", "100", 4),
    ("1", "ukat/L", "1", 0), ("1.01", "ukat/L", "1", 1), ("2.5", "ukat/L", "1", 1), ("2.51", "ukat/L", "1", 2),
    ("5", "ukat/L", "1", 2), ("5.01", "ukat/L", "1", 3), ("20", "ukat/L", "1", 3), ("20.01", "ukat/L", "1", 4),
]  # fmt: skip
# Baseline abnormal (200 U/L, above its ULN 100): G1 2.0–2.5×baseline (2.0 included),
# G2 >2.5–5.0, G3 >5.0–20.0, G4 >20.0×baseline.
CHOLESTATIC_ABNORMAL_BASELINE = [
    ("399", 0), ("400", 1), ("500", 1), ("501", 2), ("1000", 2), ("1001", 3), ("4000", 3), ("4001", 4),
]  # fmt: skip
CHOLESTATIC_TERMS = [
    ("Alkaline phosphatase increased", "alkaline_phosphatase", "10001675"),
    ("GGT increased", "ggt", "10056910"),
]


@pytest.mark.parametrize(("value", "unit", "uln", "expected"), CHOLESTATIC)
@pytest.mark.parametrize(("term", "lab", "meddra"), CHOLESTATIC_TERMS)
def test_alp_and_ggt_baseline_normal(
    grade: Grade, term: str, lab: str, meddra: str, value: str, unit: str, uln: str, expected: int
) -> None:
    """CTCAE v5.0 "Alkaline phosphatase increased" / "GGT increased", baseline normal."""
    result = grade(term, lab, value, unit, reference_high=uln)
    assert result.grade == expected
    assert result.meddra_code == meddra


@pytest.mark.parametrize(("value", "expected"), CHOLESTATIC_ABNORMAL_BASELINE)
@pytest.mark.parametrize(("term", "lab", "meddra"), CHOLESTATIC_TERMS)
def test_alp_and_ggt_baseline_abnormal(
    grade: Grade, term: str, lab: str, meddra: str, value: str, expected: int
) -> None:
    """CTCAE v5.0 "Alkaline phosphatase increased" / "GGT increased", baseline abnormal."""
    result = grade(term, lab, value, "U/L", reference_high="100", baseline_value="200", baseline_reference_high="100")
    assert result.grade == expected


def test_uln_missing_is_an_error_naming_the_field(grade: Grade) -> None:
    """CTCAE v5.0 "Alanine aminotransferase increased" is graded in multiples of the ULN: no
    ULN, no grade — and no default range is assumed."""
    with pytest.raises(CtcaeError) as caught:
        grade("Alanine aminotransferase increased", "alt", "112", "U/L", reference_low="7")
    assert caught.value.field == "reference_high"
    assert "upper limit of normal" in str(caught.value)
