"""Unit spelling and conversion. Reference factors: SI conversion tables (AMA Manual of
Style, 11th ed., Table 18.5-4): creatinine 1 mg/dL = 88.4 µmol/L, bilirubin 1 mg/dL =
17.1 µmol/L, haemoglobin 1 g/dL = 10 g/L; cell counts 1 /µL = 10⁶/L."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.errors import UnitError
from trialdesk.knowledge.base import Knowledge
from trialdesk.knowledge.units import normalize_unit


@pytest.mark.parametrize(
    ("lab", "value", "unit", "expected", "target"),
    [
        ("creatinine", "1", "mg/dL", "88.4", "umol/L"),
        ("creatinine", "1.5", "mg/dL", "132.6", "µmol/L"),
        ("bilirubin_total", "3", "mg/dL", "51.3", "μmol/L"),
        ("hemoglobin", "8", "g/dL", "80", "g/L"),
        ("hemoglobin", "90", "g/L", "9", "g/dL"),
        ("anc", "1500", "/uL", "1.5", "10^9/L"),
        ("anc", "1.5", "10³/µL", "1.5", "×10⁹/L"),
        ("platelets", "100", "10*3/uL", "100", "10^9/L"),
    ],
)
def test_reference_conversions(
    knowledge: Knowledge, lab: str, value: str, unit: str, expected: str, target: str
) -> None:
    assert knowledge.convert(lab, Decimal(value), unit, target) == Decimal(expected)


@pytest.mark.parametrize("spelling", ["×10⁹/L", "x10^9/L", "10*9/L", "10^9/l", " 10⁹/L "])
def test_spellings_of_one_unit_are_one(spelling: str) -> None:
    assert normalize_unit(spelling) == normalize_unit("10^9/L")


values = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)


@given(
    values,
    st.sampled_from(
        [
            ("creatinine", "mg/dL", "umol/L"),
            ("bilirubin_total", "mg/dL", "umol/L"),
            ("hemoglobin", "g/dL", "g/L"),
            ("anc", "/uL", "10^9/L"),
            ("calcium", "mg/dL", "mmol/L"),
        ]
    ),
)
def test_conversions_round_trip(value: Decimal, case: tuple[str, str, str]) -> None:
    from trialdesk.knowledge.base import load_knowledge

    kb = _kb(load_knowledge)
    lab, a, b = case
    back = kb.convert(lab, kb.convert(lab, value, a, b), b, a)
    assert abs(back - value) <= value * Decimal("1e-20")


_CACHE: dict[str, Knowledge] = {}


def _kb(loader: object) -> Knowledge:
    if "kb" not in _CACHE:
        _CACHE["kb"] = loader()  # type: ignore[operator]
    return _CACHE["kb"]


def test_a_unit_of_another_quantity_does_not_convert(knowledge: Knowledge) -> None:
    with pytest.raises(UnitError, match="does not convert"):
        knowledge.convert("hemoglobin", Decimal(8), "mmHg", "g/L")
