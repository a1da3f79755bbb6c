"""A'Hern's exact single-stage design (A'Hern RP. Stat Med 2001;20:859–866).

A'Hern's published table could not be retrieved to confirm rows, so the expected designs
come from a brute force written out below: for n = 1, 2, ..., the smallest r with
P(X ≥ r | p0) ≤ alpha, until P(X ≥ r | p1) ≥ power (the rule's steps 2 and 3).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from trialdesk.design import ahern_single_stage
from trialdesk.errors import DesignError


def brute_force_ahern(p0: float, p1: float, alpha: float, power: float) -> tuple[int, int]:
    for n in range(1, 1001):
        r = 0
        while binom.sf(r - 1, n, p0) > alpha:  # P(X ≥ r | p0)
            r += 1
        if binom.sf(r - 1, n, p1) >= power:
            return n, r
    raise AssertionError("no design with n ≤ 1000")


CASES = [
    (0.05, 0.20, 0.05, 0.80),
    (0.05, 0.25, 0.05, 0.80),
    (0.10, 0.30, 0.05, 0.80),
    (0.20, 0.40, 0.05, 0.80),
    (0.15, 0.30, 0.05, 0.90),
    (0.30, 0.45, 0.10, 0.80),
    (0.60, 0.80, 0.01, 0.90),
]


@pytest.mark.parametrize(("p0", "p1", "alpha", "power"), CASES)
def test_matches_brute_force(p0: float, p1: float, alpha: float, power: float) -> None:
    design = ahern_single_stage(p0, p1, alpha, power)
    assert (design.n, design.r) == brute_force_ahern(p0, p1, alpha, power)


def test_convention_is_reject_if_at_least_r() -> None:
    """p0 = 0.10, p1 = 0.30: 25 patients, reject H0 with 6 or more responses (= more than 5)."""
    design = ahern_single_stage(0.10, 0.30, alpha=0.05, power=0.80)
    assert (design.n, design.r, design.reject_if_more_than) == (25, 6, 5)
    assert design.actual_alpha == pytest.approx(binom.sf(5, 25, 0.10), abs=1e-15)
    assert design.actual_power == pytest.approx(binom.sf(5, 25, 0.30), abs=1e-15)
    assert design.actual_alpha <= 0.05 < binom.sf(4, 25, 0.10)  # r is the smallest count that keeps alpha
    assert design.rejection_probability(0.30) == pytest.approx(design.actual_power)
    assert "≥ 6 responses" in str(design)
    assert design.to_dict()["rule"] == "reject H0 if responses >= r"


def test_smallest_n_even_when_a_larger_n_fails() -> None:
    """Step 3 takes the first n that works; the binomial's discreteness can make n + 1 fail."""
    design = ahern_single_stage(0.20, 0.40, alpha=0.05, power=0.80)
    for m in range(1, design.n):
        r = min(k for k in range(m + 2) if binom.sf(k - 1, m, 0.20) <= 0.05)
        assert binom.sf(r - 1, m, 0.40) < 0.80


def test_none_within_n_max_names_n_max() -> None:
    with pytest.raises(DesignError) as caught:
        ahern_single_stage(0.30, 0.35, n_max=50)
    assert caught.value.argument == "n_max"


@settings(max_examples=60, deadline=None)
@given(
    p0=st.floats(min_value=0.01, max_value=0.80),
    gap=st.floats(min_value=0.10, max_value=0.40),
    alpha=st.floats(min_value=0.01, max_value=0.20),
    power=st.floats(min_value=0.70, max_value=0.95),
)
def test_returned_design_meets_alpha_and_power(p0: float, gap: float, alpha: float, power: float) -> None:
    p1 = min(p0 + gap, 0.99)
    design = ahern_single_stage(p0, p1, alpha, power)
    assert binom.sf(design.r - 1, design.n, p0) <= alpha + 1e-12
    assert binom.sf(design.r - 1, design.n, p1) >= power - 1e-12
