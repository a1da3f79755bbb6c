"""The vectorised Simon search against a brute-force search written out plainly below.

The brute force enumerates every (r1, n1, r, n) with loops and scipy.stats.binom and keeps
every design that meets alpha and power; the optimal design is the one with the smallest
EN(p0), the minimax the smallest n and then the smallest EN(p0) (Simon 1989, steps 4–5 of
`simon_two_stage`). The search is compared by value (n, EN(p0)) so that ties between
designs with equal EN(p0) do not matter, and by the design itself where it is unique.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from trialdesk.design import SimonDesign, simon_design, simon_two_stage
from trialdesk.errors import DesignError

Feasible = tuple[float, int, int, int, int]  # (EN(p0), n, n1, r1, r)


def brute_force_simon(p0: float, p1: float, alpha: float, power: float, n_max: int) -> list[Feasible]:
    """Every two-stage design with n ≤ n_max that has alpha and power, found with plain loops."""
    pmf0 = [[float(binom.pmf(x, m, p0)) for x in range(m + 1)] for m in range(n_max + 1)]
    pmf1 = [[float(binom.pmf(x, m, p1)) for x in range(m + 1)] for m in range(n_max + 1)]

    def more_than(pmf: list[list[float]], m: int, k: int) -> float:  # P(X > k), X ~ Bin(m)
        return 1.0 if k < 0 else sum(pmf[m][k + 1 :])

    feasible: list[Feasible] = []
    for n in range(2, n_max + 1):
        for n1 in range(1, n):
            n2 = n - n1
            for r1 in range(n1):
                pet = sum(pmf0[n1][: r1 + 1])
                expected = n1 + (1 - pet) * n2
                for r in range(r1 + 1, n):
                    stage1 = range(r1 + 1, n1 + 1)
                    type1 = sum(pmf0[n1][x] * more_than(pmf0, n2, r - x) for x in stage1)
                    if type1 > alpha:
                        continue
                    reached = sum(pmf1[n1][x] * more_than(pmf1, n2, r - x) for x in stage1)
                    if reached >= power:
                        feasible.append((expected, n, n1, r1, r))
    return feasible


def recomputed(design: SimonDesign, p: float) -> float:
    """P(reject H0 | p) by Simon's eq. 1, term by term."""
    return float(
        sum(
            binom.pmf(x, design.n1, p) * binom.sf(design.r - x, design.n2, p)
            for x in range(design.r1 + 1, design.n1 + 1)
        )
    )


# Pairs outside the table of test_simon_tables.py, at several alpha and power, n ≤ n_max.
BRUTE_FORCE_CASES = [
    (0.05, 0.25, 0.05, 0.80, 20),
    (0.10, 0.40, 0.10, 0.90, 25),
    (0.30, 0.60, 0.05, 0.80, 30),
    (0.20, 0.50, 0.10, 0.80, 25),
    (0.15, 0.45, 0.05, 0.90, 30),
    (0.02, 0.20, 0.05, 0.80, 30),
]


@pytest.mark.parametrize(("p0", "p1", "alpha", "power", "n_max"), BRUTE_FORCE_CASES)
def test_search_agrees_with_brute_force(p0: float, p1: float, alpha: float, power: float, n_max: int) -> None:
    feasible = brute_force_simon(p0, p1, alpha, power, n_max)
    designs = simon_two_stage(p0, p1, alpha, power, n_max=n_max)
    best_en = min(f[0] for f in feasible)
    smallest_n = min(f[1] for f in feasible)
    best_en_at_smallest_n = min(f[0] for f in feasible if f[1] == smallest_n)
    assert designs.optimal.expected_n_p0 == pytest.approx(best_en, abs=1e-9)
    assert designs.minimax.n == smallest_n
    assert designs.minimax.expected_n_p0 == pytest.approx(best_en_at_smallest_n, abs=1e-9)
    for design in (designs.optimal, designs.minimax):
        assert any((f[1], f[2], f[3], f[4]) == (design.n, design.n1, design.r1, design.r) for f in feasible), (
            f"{design} is not among the brute-force feasible designs"
        )


# Rows quoted in the design brief as Simon 1989 values. They could not be checked against
# the paper itself, so here they are checked against the brute force instead (minimax over
# n ≤ its n; optimal over the same n_max given to the search).
BRIEF_ROWS = [
    # (p0, p1, kind, r1, n1, r, n, EN(p0) to 1 dp, PET(p0) to 2 dp or None, n_max)
    (0.10, 0.30, "minimax", 1, 15, 5, 25, 19.5, 0.55, 25),
    (0.05, 0.25, "optimal", 0, 9, 2, 17, 12.0, None, 25),
    (0.05, 0.25, "minimax", 0, 12, 2, 16, None, None, 16),
    (0.20, 0.40, "minimax", 4, 18, 10, 33, None, None, 33),
]


@pytest.mark.parametrize(("p0", "p1", "kind", "r1", "n1", "r", "n", "en", "pet", "n_max"), BRIEF_ROWS)
def test_brief_rows_agree_with_brute_force(
    p0: float,
    p1: float,
    kind: str,
    r1: int,
    n1: int,
    r: int,
    n: int,
    en: float | None,
    pet: float | None,
    n_max: int,
) -> None:
    feasible = brute_force_simon(p0, p1, 0.05, 0.80, n_max)
    if kind == "minimax":
        smallest_n = min(f[1] for f in feasible)
        best = min((f for f in feasible if f[1] == smallest_n), key=lambda f: f[0])
    else:
        best = min(feasible, key=lambda f: f[0])
    assert (best[3], best[2], best[4], best[1]) == (r1, n1, r, n)
    design = getattr(simon_two_stage(p0, p1, 0.05, 0.80), kind)
    assert (design.r1, design.n1, design.r, design.n) == (r1, n1, r, n)
    if en is not None:
        assert round(design.expected_n_p0, 1) == en
    if pet is not None:
        assert round(design.pet_p0, 2) == pet


def test_operating_characteristics_are_the_exact_binomial_ones() -> None:
    """Each reported number recomputed from its definition (Simon 1989, eq. 1 and EN, PET)."""
    designs = simon_two_stage(0.15, 0.35, alpha=0.05, power=0.80)
    for design in (designs.optimal, designs.minimax):
        pet = binom.cdf(design.r1, design.n1, 0.15)
        assert design.pet_p0 == pytest.approx(pet, abs=1e-12)
        assert design.expected_n_p0 == pytest.approx(design.n1 + (1 - pet) * design.n2, abs=1e-9)
        assert design.actual_alpha == pytest.approx(recomputed(design, 0.15), abs=1e-12)
        assert design.actual_power == pytest.approx(recomputed(design, 0.35), abs=1e-12)
        assert design.rejection_probability(0.35) == pytest.approx(design.actual_power, abs=1e-12)
        assert design.early_termination_probability(0.15) == pytest.approx(pet, abs=1e-12)
        assert design.expected_sample_size(0.15) == pytest.approx(design.expected_n_p0, abs=1e-9)


def test_no_design_within_n_max_names_n_max() -> None:
    with pytest.raises(DesignError) as caught:
        simon_two_stage(0.30, 0.40, alpha=0.05, power=0.80, n_max=60)
    assert caught.value.argument == "n_max"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    p0=st.floats(min_value=0.02, max_value=0.70),
    gap=st.floats(min_value=0.15, max_value=0.35),
    alpha=st.floats(min_value=0.01, max_value=0.20),
    power=st.floats(min_value=0.70, max_value=0.95),
)
def test_returned_designs_meet_alpha_and_power(p0: float, gap: float, alpha: float, power: float) -> None:
    """For any valid input, both designs meet the constraints when recomputed term by term."""
    p1 = p0 + gap
    assume(p1 < 0.98)
    try:
        designs = simon_two_stage(p0, p1, alpha, power, n_max=60)
    except DesignError as exc:
        if exc.argument != "n_max":
            raise
        assume(False)
        return
    for design in (designs.optimal, designs.minimax):
        assert 0 <= design.r1 < design.n1 < design.n <= 60
        assert design.r1 < design.r < design.n
        assert recomputed(design, p0) <= alpha + 1e-12
        assert recomputed(design, p1) >= power - 1e-12
    assert designs.minimax.n <= designs.optimal.n
    assert designs.optimal.expected_n_p0 <= designs.minimax.expected_n_p0 + 1e-12
    assert math.isclose(designs.beta, 1 - power)


def test_a_protocol_rule_gets_its_exact_characteristics() -> None:
    """`simon_design` for a stated rule reports what the search reports for the same rule."""
    searched = simon_two_stage(0.20, 0.40).minimax
    given_rule = simon_design(searched.r1, searched.n1, searched.r, searched.n, p0=0.20, p1=0.40)
    assert given_rule.kind == "specified"
    for field in ("expected_n_p0", "pet_p0", "actual_alpha", "actual_power"):
        assert getattr(given_rule, field) == pytest.approx(getattr(searched, field), abs=1e-12)


@pytest.mark.parametrize(
    ("rule", "argument"),
    [((0, 10, 5, 10), "n1"), ((10, 10, 12, 20), "r1"), ((3, 10, 3, 20), "r"), ((3, 10, 20, 20), "r")],
)
def test_impossible_rule_names_the_argument(rule: tuple[int, int, int, int], argument: str) -> None:
    with pytest.raises(DesignError) as caught:
        simon_design(*rule, p0=0.10, p1=0.30)
    assert caught.value.argument == argument
