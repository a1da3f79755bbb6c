"""Simon's optimal designs against the published table (Simon R. Control Clin Trials 1989;10:1–10).

Source of the expected values, and how they were checked: the paper's table on p. 4
(alpha = 0.05, beta = 0.20, p1 = p0 + 0.20, "optimal" columns, r1/n1 and r/n). The paper
itself could not be retrieved here; each row was checked against the transcription of
that table in the test suite of kkmann/BinaryTwoStageDesigns
(test/test_BinaryTwoStageDesign.jl: "Simon's designs for beta = .2, alpha = .05,
p1 = p0 + 0.2, cf. Simon, R 'Optimal Two-Stage Designs for Phase II Clinical Trials',
Controlled Clinical Trials 10:1-10 (1989). (p. 4)"). Only those rows are used here; other
values (minimax designs, other pairs) are checked against a brute-force search in
test_simon_search.py.
"""

from __future__ import annotations

import pytest
from scipy.stats import binom

from trialdesk.design import simon_two_stage

# (p0, p1, r1, n1, r, n): Simon 1989, p. 4, alpha = 0.05, beta = 0.20, optimal designs.
SIMON_1989_OPTIMAL = [
    (0.10, 0.30, 1, 10, 5, 29),
    (0.20, 0.40, 3, 13, 12, 43),
    (0.30, 0.50, 5, 15, 18, 46),
    (0.40, 0.60, 7, 16, 23, 46),
    (0.50, 0.70, 8, 15, 26, 43),
    (0.60, 0.80, 7, 11, 30, 43),
    (0.70, 0.90, 4, 6, 22, 27),
]


@pytest.mark.parametrize(("p0", "p1", "r1", "n1", "r", "n"), SIMON_1989_OPTIMAL)
def test_optimal_design_matches_simon_1989_table(p0: float, p1: float, r1: int, n1: int, r: int, n: int) -> None:
    """Simon 1989, table p. 4 (alpha 0.05, beta 0.20): optimal r1/n1 and r/n."""
    optimal = simon_two_stage(p0, p1, alpha=0.05, power=0.80).optimal
    assert (optimal.r1, optimal.n1, optimal.r, optimal.n) == (r1, n1, r, n)


@pytest.mark.parametrize(("p0", "p1", "r1", "n1", "r", "n"), SIMON_1989_OPTIMAL)
def test_published_optimal_rows_meet_the_error_constraints(
    p0: float, p1: float, r1: int, n1: int, r: int, n: int
) -> None:
    """Simon 1989, table p. 4: each published row has alpha ≤ 0.05 and power ≥ 0.80 (eq. 1, exact)."""
    x1 = range(r1 + 1, n1 + 1)
    alpha = sum(binom.pmf(x, n1, p0) * binom.sf(r - x, n - n1, p0) for x in x1)
    power = sum(binom.pmf(x, n1, p1) * binom.sf(r - x, n - n1, p1) for x in x1)
    assert alpha <= 0.05
    assert power >= 0.80


def test_optimal_expected_size_and_early_stop_for_p0_010() -> None:
    """Simon 1989, table p. 4, p0 = 0.10, p1 = 0.30: EN(p0) 15.0 and PET(p0) 0.74 as printed to
    1 and 2 decimals. The unrounded values agree with an independent implementation's test
    (IDDI-BE/PhIIdesign, inst/tinytest/test-simon2stage.R: EN.p0 = 15.0141203471,
    PET.p0 = 0.7360989291 for r1/n1 = 1/10, r/n = 5/29)."""
    optimal = simon_two_stage(0.10, 0.30, alpha=0.05, power=0.80).optimal
    assert round(optimal.expected_n_p0, 1) == 15.0
    assert round(optimal.pet_p0, 2) == 0.74
    assert optimal.expected_n_p0 == pytest.approx(15.0141203471, abs=1e-9)
    assert optimal.pet_p0 == pytest.approx(0.7360989291, abs=1e-9)
