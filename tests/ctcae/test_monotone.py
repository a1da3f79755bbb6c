"""Invariant: grading is monotone in the value. For a "decreased" term the grade never rises as
the value rises; for an "increased" term it never falls (every CTCAE v5.0 laboratory term,
with references and baseline held fixed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ctcae.conftest import observation
from trialdesk.ctcae import CtcaeCriteria, grade_term
from trialdesk.knowledge.base import Knowledge

# Per term: the lab, unit, a value range spanning every band, and the fixed context.
CASES: list[tuple[str, str, str, tuple[str, str], dict[str, Any]]] = [
    ("Neutrophil count decreased", "anc", "10^9/L", ("0", "5"), {"reference_low": "1.8"}),
    ("Neutrophil count decreased", "anc", "/uL", ("0", "5000"), {"reference_low": "1.4", "reference_unit": "10^9/L"}),
    ("Platelet count decreased", "platelets", "10^9/L", ("0", "300"), {"reference_low": "150"}),
    ("White blood cell decreased", "wbc", "/uL", ("0", "9000"), {"reference_low": "4000"}),
    ("Lymphocyte count decreased", "lymphocytes", "10^9/L", ("0", "3"), {"reference_low": "1.0"}),
    ("Anemia", "hemoglobin", "g/dL", ("1", "16"), {"reference_low": "12"}),
    ("Anemia", "hemoglobin", "mmol/L", ("1", "10"), {"reference_low": "7.4"}),
    ("Alanine aminotransferase increased", "alt", "U/L", ("0", "2000"), {"reference_high": "40"}),
    ("Aspartate aminotransferase increased", "ast", "U/L", ("0", "2000"),
     {"reference_high": "40", "baseline_value": "70", "baseline_reference_high": "40"}),
    ("Blood bilirubin increased", "bilirubin_total", "mg/dL", ("0", "30"),
     {"reference_high": "21", "reference_unit": "umol/L"}),
    ("Blood bilirubin increased", "bilirubin_total", "umol/L", ("0", "500"),
     {"reference_high": "21", "baseline_value": "30", "baseline_reference_high": "21"}),
    ("Alkaline phosphatase increased", "alkaline_phosphatase", "U/L", ("0", "5000"), {"reference_high": "120"}),
    ("GGT increased", "ggt", "U/L", ("0", "5000"),
     {"reference_high": "60", "baseline_value": "90", "baseline_reference_high": "60"}),
    ("Creatinine increased", "creatinine", "umol/L", ("10", "1500"), {"reference_high": "106", "baseline_value": "60"}),
    ("Creatinine increased", "creatinine", "mg/dL", ("0.1", "15"), {"reference_high": "1.2"}),
    ("INR increased", "inr", "{INR}", ("0.5", "8"), {}),
    ("INR increased", "inr", "{INR}", ("0.5", "15"), {"on_anticoagulation": True, "baseline_value": "2.5"}),
    ("Hypokalemia", "potassium", "mmol/L", ("1", "8"), {"reference_low": "3.5"}),
    ("Hyperkalemia", "potassium", "mmol/L", ("1", "11"), {"reference_high": "5.1"}),
    ("Hyponatremia", "sodium", "mmol/L", ("100", "160"), {"reference_low": "136"}),
    ("Hypernatremia", "sodium", "mmol/L", ("110", "180"), {"reference_high": "145"}),
    ("Hypocalcemia", "calcium", "mg/dL", ("3", "16"), {"reference_low": "8.5", "albumin_value": "2.5", "albumin_unit": "g/dL"}),
    ("Hypercalcemia", "calcium", "mmol/L", ("1", "4"), {"reference_high": "2.6", "albumin_value": "45", "albumin_unit": "g/L"}),
    ("Hypocalcemia", "ionized_calcium", "mmol/L", ("0.3", "2"), {"reference_low": "1.15"}),
    ("Hypercalcemia", "ionized_calcium", "mg/dL", ("2", "14"), {"reference_high": "1.3", "reference_unit": "mmol/L"}),
    ("Hypoalbuminemia", "albumin", "g/L", ("6", "60"), {"reference_low": "35"}),
]  # fmt: skip


Case = tuple[str, str, str, tuple[str, str], dict[str, Any]]


def _grade(case: Case, value: Decimal, knowledge: Knowledge, criteria: CtcaeCriteria) -> int:
    term, lab, unit, _, context = case
    return grade_term(criteria.term(term), observation(lab, value, unit, **context), knowledge, criteria).grade


@st.composite
def case_and_two_values(
    draw: st.DrawFn,
) -> tuple[tuple[str, str, str, tuple[str, str], dict[str, Any]], Decimal, Decimal]:
    case = draw(st.sampled_from(CASES))
    low, high = (Decimal(v) for v in case[3])
    values = st.decimals(min_value=low, max_value=high, places=3, allow_nan=False, allow_infinity=False)
    a, b = draw(values), draw(values)
    return case, min(a, b), max(a, b)


@settings(max_examples=600, deadline=None)
@given(drawn=case_and_two_values())
def test_grade_is_monotone_in_the_value(
    knowledge: Knowledge, criteria: CtcaeCriteria, drawn: tuple[Case, Decimal, Decimal]
) -> None:
    case, lower, higher = drawn
    at_lower, at_higher = _grade(case, lower, knowledge, criteria), _grade(case, higher, knowledge, criteria)
    if criteria.term(case[0]).direction == "decreased":
        assert at_lower >= at_higher
    else:
        assert at_lower <= at_higher


def test_cases_cover_every_term(criteria: CtcaeCriteria) -> None:
    assert {c[0] for c in CASES} == {t.term for t in criteria.terms}
