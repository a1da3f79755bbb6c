"""ORR/DCR intervals. Reference values are those of R's `binom.test(x, n)$conf.int`
(Clopper–Pearson, two-sided 95 %), each re-derived here independently from the beta
quantiles that define the interval (Clopper & Pearson 1934): lower = Beta(α/2; x, n−x+1),
upper = Beta(1−α/2; x+1, n−x)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import beta

from trialdesk.analysis import BinomialProportion, binomial_confidence_interval
from trialdesk.errors import AnalysisError


def clopper_pearson_by_beta(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    lower = 0.0 if x == 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lower, upper


@pytest.mark.parametrize(
    ("x", "n", "r_lower", "r_upper"),
    [
        (0, 35, 0.0, 0.1000),  # binom.test(0, 35): 0.0000000 0.1000324
        (35, 35, 0.9000, 1.0),  # binom.test(35, 35): 0.8999676 1.0000000
        (7, 35, 0.0844, 0.3694),  # binom.test(7, 35): 0.08440602 0.36937884
    ],
)
def test_clopper_pearson_matches_r_binom_test_and_beta_quantiles(
    x: int, n: int, r_lower: float, r_upper: float
) -> None:
    lower, upper = binomial_confidence_interval(x, n)
    assert (round(lower, 4), round(upper, 4)) == (r_lower, r_upper)
    by_beta = clopper_pearson_by_beta(x, n)
    assert lower == pytest.approx(by_beta[0], abs=1e-9)
    assert upper == pytest.approx(by_beta[1], abs=1e-9)


def test_wilson_matches_the_score_formula() -> None:
    # Wilson 1927 without continuity correction: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    x, n, z = 7, 35, 1.959963984540054
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lower, upper = binomial_confidence_interval(x, n, method="wilson")
    assert (lower, upper) == pytest.approx((centre - half, centre + half), abs=1e-9)


def test_no_subjects_is_an_error_naming_n() -> None:
    with pytest.raises(AnalysisError, match="n is 0"):
        binomial_confidence_interval(0, 0)


def test_unknown_method_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="'agresti'"):
        binomial_confidence_interval(1, 3, method="agresti")  # type: ignore[arg-type]


def test_proportion_prints_and_exports() -> None:
    orr = BinomialProportion.of("ORR", 7, 35, definition="confirmed CR or PR")
    assert str(orr) == "ORR: 7/35 = 20.0% (95% CI 8.4–36.9%, Clopper–Pearson exact)"
    assert orr.to_dict()["ci_lower"] == pytest.approx(0.0844, abs=5e-5)


@given(st.integers(min_value=1, max_value=200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_interval_contains_the_estimate_and_exact_is_the_beta_interval(case: tuple[int, int]) -> None:
    x, n = case
    lower, upper = binomial_confidence_interval(x, n)
    assert 0.0 <= lower <= x / n <= upper <= 1.0
    assert (lower, upper) == pytest.approx(clopper_pearson_by_beta(x, n), abs=1e-7)
