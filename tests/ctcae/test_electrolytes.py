"""Potassium, sodium and albumin: each CTCAE v5.0 grade boundary on both sides, and the
readings where CTCAE lets a clinical fact decide. Expected grades from the CTCAE v5.0 tables."""

from __future__ import annotations

import pytest

from tests.ctcae.conftest import Grade

# CTCAE v5.0 Metabolism and nutrition disorders, "Hypokalemia": G1 <LLN–3.0 mmol/L;
# G2 symptomatic with <LLN–3.0 or intervention indicated; G3 <3.0–2.5; G4 <2.5 mmol/L.
# LLN 3.5 mmol/L (mEq/L is the same number for a monovalent ion).
HYPOKALEMIA = [
    ("3.5", "mmol/L", 0, (0,)), ("3.4", "mmol/L", 1, (1, 2)), ("3.0", "mEq/L", 1, (1, 2)),
    ("2.9", "mEq/L", 3, (3, 4)), ("2.5", "mmol/L", 3, (3, 4)), ("2.4", "mmol/L", 4, (4,)),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "expected", "grades"), HYPOKALEMIA)
def test_hypokalemia(grade: Grade, value: str, unit: str, expected: int, grades: tuple[int, ...]) -> None:
    """CTCAE v5.0 "Hypokalemia": <LLN–3.0 is grade 1 asymptomatic, grade 2 symptomatic."""
    result = grade("Hypokalemia", "potassium", value, unit, reference_low="3.5", reference_high="5.1")
    assert (result.grade, result.grades) == (expected, grades)
    assert result.meddra_code == "10021018"


def test_hypokalemia_readings_name_their_conditions(grade: Grade) -> None:
    """CTCAE v5.0 "Hypokalemia" grade 1 vs grade 2 differ only in symptoms or intervention."""
    result = grade("Hypokalemia", "potassium", "3.2", "mmol/L", reference_low="3.5")
    assert result.lab_only
    assert [(r.grade, r.condition) for r in result.readings] == [
        (1, "asymptomatic and no intervention indicated"),
        (2, "symptomatic or intervention indicated"),
    ]


# CTCAE v5.0 "Hyperkalemia": G1 >ULN–5.5 mmol/L; G2 >5.5–6.0; G3 >6.0–7.0; G4 >7.0. ULN 5.0.
HYPERKALEMIA = [
    ("5.0", 0), ("5.1", 1), ("5.5", 1), ("5.6", 2), ("6.0", 2), ("6.1", 3), ("7.0", 3), ("7.1", 4),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), HYPERKALEMIA)
@pytest.mark.parametrize("unit", ["mmol/L", "mEq/L"])
def test_hyperkalemia(grade: Grade, value: str, unit: str, expected: int) -> None:
    """CTCAE v5.0 "Hyperkalemia"."""
    result = grade("Hyperkalemia", "potassium", value, unit, reference_low="3.5", reference_high="5.0")
    assert result.grade == expected
    assert result.meddra_code == "10020647"


# CTCAE v5.0 "Hyponatremia": G1 <LLN–130 mmol/L; G2 125–129 and asymptomatic; G3 125–129
# symptomatic, or 120–124 regardless of symptoms; G4 <120. LLN 135. Integer ranges read as
# continuous: 129.9 lies in "125–129", 124.9 in "120–124".
HYPONATREMIA = [
    ("135", 0, (0,)), ("134", 1, (1, 4)), ("130", 1, (1, 4)), ("129.9", 2, (2, 3)), ("129", 2, (2, 3)),
    ("125", 2, (2, 3)), ("124.9", 3, (3, 4)), ("124", 3, (3, 4)), ("120", 3, (3, 4)), ("119.9", 4, (4,)),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected", "grades"), HYPONATREMIA)
def test_hyponatremia(grade: Grade, value: str, expected: int, grades: tuple[int, ...]) -> None:
    """CTCAE v5.0 "Hyponatremia"; 125–129 mmol/L is grade 2 asymptomatic, grade 3 symptomatic."""
    result = grade("Hyponatremia", "sodium", value, "mmol/L", reference_low="135", reference_high="145")
    assert (result.grade, result.grades) == (expected, grades)
    assert result.meddra_code == "10021038"


def test_hyponatremia_125_to_129_gives_both_readings(grade: Grade) -> None:
    """CTCAE v5.0 "Hyponatremia" grades 2 and 3 share 125–129 mmol/L; symptoms decide."""
    result = grade("Hyponatremia", "sodium", "127", "mmol/L", reference_low="135")
    assert result.lab_only
    assert result.band == "125–129 mmol/L"
    assert [(r.grade, r.condition) for r in result.readings] == [(2, "asymptomatic"), (3, "symptomatic")]
    assert "grade 2 if asymptomatic; grade 3 if symptomatic" in str(result)


# CTCAE v5.0 "Hypernatremia": G1 >ULN–150 mmol/L; G2 >150–155; G3 >155–160; G4 >160. ULN 145.
HYPERNATREMIA = [("145", 0), ("146", 1), ("150", 1), ("151", 2), ("155", 2), ("156", 3), ("160", 3), ("161", 4)]


@pytest.mark.parametrize(("value", "expected"), HYPERNATREMIA)
@pytest.mark.parametrize("unit", ["mmol/L", "mEq/L"])
def test_hypernatremia(grade: Grade, value: str, unit: str, expected: int) -> None:
    """CTCAE v5.0 "Hypernatremia"."""
    result = grade("Hypernatremia", "sodium", value, unit, reference_low="135", reference_high="145")
    assert result.grade == expected
    assert result.meddra_code == "10020680"


# CTCAE v5.0 "Hypoalbuminemia": G1 <LLN–3 g/dL (<LLN–30 g/L); G2 <3–2 g/dL (<30–20 g/L);
# G3 <2 g/dL (<20 g/L); G4 clinical only. LLN 3.5 g/dL = 35 g/L.
HYPOALBUMINEMIA = [
    ("3.5", "g/dL", "3.5", 0), ("3.4", "g/dL", "3.5", 1), ("3.0", "g/dL", "3.5", 1),
    ("2.9", "g/dL", "3.5", 2), ("2.0", "g/dL", "3.5", 2), ("1.9", "g/dL", "3.5", 3),
    ("35", "g/L", "35", 0), ("34", "g/L", "35", 1), ("30", "g/L", "35", 1),
    ("29", "g/L", "35", 2), ("20", "g/L", "35", 2), ("19", "g/L", "35", 3),
]  # fmt: skip


@pytest.mark.parametrize(("value", "unit", "lln", "expected"), HYPOALBUMINEMIA)
def test_hypoalbuminemia(grade: Grade, value: str, unit: str, lln: str, expected: int) -> None:
    """CTCAE v5.0 "Hypoalbuminemia"; grade 4 has no laboratory limit (a clinical reading)."""
    result = grade("Hypoalbuminemia", "albumin", value, unit, reference_low=lln)
    assert result.grade == expected
    assert result.meddra_code == "10020943"
    assert result.grades == ((0,) if expected == 0 else (expected, 4))


def test_one_potassium_value_is_graded_for_both_terms(knowledge, criteria) -> None:  # type: ignore[no-untyped-def]
    """A potassium of 6.3 mmol/L: CTCAE v5.0 "Hypokalemia" grade 0, "Hyperkalemia" grade 3 (>6.0–7.0)."""
    from tests.ctcae.conftest import observation
    from trialdesk.ctcae import grade_observation

    value = observation("potassium", "6.3", "mmol/L", reference_low="3.5", reference_high="5.1")
    results = grade_observation(value, knowledge, criteria)
    assert [(r.term, r.grade) for r in results] == [("Hypokalemia", 0), ("Hyperkalemia", 3)]
