"""Simon's optimal and minimax two-stage designs for a binary response endpoint.

Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
1989;10:1–10. The search is exact (binomial probabilities, no normal approximation) and
vectorised over the first-stage size, the first-stage bound and the final bound.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy.stats import binom

from trialdesk.design.checks import check_count, check_probability, check_response_rates
from trialdesk.errors import DesignError

DesignKind = Literal["optimal", "minimax", "specified"]

# The largest n_max the search accepts: n ≤ 200 stays within a few seconds and ~100 MB.
N_MAX_LIMIT = 200
# Cells per block of the (n1, x1, r) arrays, so memory stays bounded for large n.
_BLOCK_CELLS = 2_000_000

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SimonDesign:
    """One two-stage design and its operating characteristics at p0 and p1.

    Stage 1 enrols `n1` patients; the trial stops for futility if `r1` or fewer respond.
    Otherwise `n - n1` more are enrolled, and H0 (p ≤ p0) is rejected — the treatment is
    declared worth further study — only if more than `r` of all `n` respond.
    """

    kind: DesignKind
    p0: float
    p1: float
    r1: int
    n1: int
    r: int
    n: int
    expected_n_p0: float
    pet_p0: float
    actual_alpha: float
    actual_power: float

    @property
    def n2(self) -> int:
        """Patients enrolled in stage 2 when the trial continues."""
        return self.n - self.n1

    def rejection_probability(self, p: float) -> float:
        """P(more than r1 of n1 respond, then more than r of n) at true response rate `p`."""
        return _rejection_probability(self.r1, self.n1, self.r, self.n, check_probability("p", p))

    def early_termination_probability(self, p: float) -> float:
        """P(r1 or fewer of the first n1 respond) at true response rate `p`."""
        return float(binom.cdf(self.r1, self.n1, check_probability("p", p)))

    def expected_sample_size(self, p: float) -> float:
        """n1 + (1 − PET(p))·(n − n1), the expected number of patients at true rate `p`."""
        return self.n1 + (1.0 - self.early_termination_probability(p)) * self.n2

    def rule_text(self) -> str:
        return (
            f"stage 1: stop for futility if ≤ {self.r1} responses in {self.n1}; "
            f"otherwise enrol {self.n2} more and reject H0 if > {self.r} responses in {self.n}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "p0": self.p0,
            "p1": self.p1,
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "n2": self.n2,
            "expected_n_p0": self.expected_n_p0,
            "pet_p0": self.pet_p0,
            "actual_alpha": self.actual_alpha,
            "actual_power": self.actual_power,
        }

    def __str__(self) -> str:
        return (
            f"{self.kind:<8} r1/n1 = {self.r1}/{self.n1}, r/n = {self.r}/{self.n}: "
            f"EN(p0) = {self.expected_n_p0:.1f}, PET(p0) = {self.pet_p0:.2f}, "
            f"alpha = {self.actual_alpha:.4f}, power = {self.actual_power:.4f}"
        )


@dataclass(frozen=True, slots=True)
class SimonDesigns:
    """The optimal and minimax designs for one set of requirements (Simon 1989)."""

    p0: float
    p1: float
    alpha: float
    power: float
    n_max: int
    optimal: SimonDesign
    minimax: SimonDesign

    @property
    def beta(self) -> float:
        return 1.0 - self.power

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "Simon two-stage (Simon 1989)",
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "n_max": self.n_max,
            "optimal": self.optimal.to_dict(),
            "minimax": self.minimax.to_dict(),
        }

    def __str__(self) -> str:
        head = (
            f"Simon two-stage designs, p0 = {self.p0:g}, p1 = {self.p1:g}, "
            f"alpha ≤ {self.alpha:g}, power ≥ {self.power:g} (n ≤ {self.n_max})"
        )
        lines = [head, f"  {self.optimal}", f"  {self.minimax}"]
        lines.append("  stop early if ≤ r1 responses in n1; reject H0 (promising) if > r responses in n")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Binomial pmf, cdf and upper tail for every size 0..n_max at one response rate."""

    pmf: FloatArray  # pmf[m, x] = P(X = x | m)
    cdf: FloatArray  # cdf[m, x] = P(X ≤ x | m)
    sf: FloatArray  # sf[m, k + offset] = P(X > k | m), for k in -offset..n_max
    offset: int


def _tables(p: float, n_max: int) -> _Tables:
    sizes = np.arange(n_max + 1)[:, None]
    counts = np.arange(n_max + 1)[None, :]
    shifts = np.arange(-(n_max + 1), n_max + 1)[None, :]
    return _Tables(
        pmf=binom.pmf(counts, sizes, p),
        cdf=binom.cdf(counts, sizes, p),
        sf=binom.sf(shifts, sizes, p),
        offset=n_max + 1,
    )


def _rejection_probability(r1: int, n1: int, r: int, n: int, p: float) -> float:
    """Simon (1989) eq. 1 complement: Σ_{x1 > r1} P(X1 = x1)·P(X2 > r − x1)."""
    x1 = np.arange(r1 + 1, n1 + 1)
    return float(np.sum(binom.pmf(x1, n1, p) * binom.sf(r - x1, n - n1, p)))


def _reject_table(t: _Tables, n: int, n1: IntArray, r1_top: int, r_low: int, r_top: int) -> FloatArray:
    """P(X1 > r1 and X1 + X2 > r) for each n1 in `n1`, r1 in 0..r1_top and r in r_low..r_top.

    Computed as P(X1 + X2 > r) − Σ_{x1 ≤ r1} P(X1 = x1)·P(X2 > r − x1): X1 + X2 is binomial
    in n, so only the first r1_top + 1 first-stage counts are summed.
    """
    x1 = np.arange(r1_top + 1)
    width = r_top - r_low + 1
    # windows[m, s, j] = sf[m, s + j]; the row of P(X2 > r − x1) for r = r_low.. starts at offset + r_low − x1
    windows = sliding_window_view(t.sf, width, axis=1)
    stage2 = windows[(n - n1)[:, None], (t.offset + r_low - x1)[None, :]]
    head = np.cumsum(t.pmf[n1[:, None], x1[None, :]][:, :, None] * stage2, axis=1)
    total = t.sf[n, t.offset + r_low : t.offset + r_top + 1]
    return total[None, None, :] - head


@dataclass(frozen=True, slots=True)
class _Candidate:
    r1: int
    n1: int
    r: int
    n: int
    expected_n_p0: float
    pet_p0: float
    actual_alpha: float
    actual_power: float


def _best_of_block(
    t0: _Tables, t1: _Tables, n: int, n1: IntArray, r1_max: IntArray, r_top: int, alpha: float, power: float
) -> _Candidate | None:
    """The feasible design with the smallest EN(p0) among these first-stage sizes, if any."""
    r1_top = int(r1_max.max())
    # Power ≥ P(X > r | p1) − P(X1 ≤ r1 | p1), so every r up to the largest r with
    # P(X > r | p1) ≥ power + max P(X1 ≤ r1 | p1) keeps the power: start the r window there
    # (one lower, against rounding), since only the largest r that keeps the power matters.
    worst_head = float(t1.cdf[n1, r1_max].max())
    surely = np.flatnonzero(t1.sf[n, t1.offset : t1.offset + r_top + 1] >= power + worst_head)
    r_low = max(int(surely[-1]) - 1, 0) if surely.size else 0
    power_table = _reject_table(t1, n, n1, r1_top, r_low, r_top)
    meets = power_table >= power
    # Power falls as r rises, so for each (n1, r1) the largest r that keeps it is the one
    # with the smallest alpha; EN(p0) does not depend on r.
    last = r_top - np.argmax(meets[:, :, ::-1], axis=2)
    r_star = np.where(meets[:, :, 0], last, -1)
    r1 = np.arange(r1_top + 1)[None, :]
    feasible = (r_star > r1) & (r1 <= r1_max[:, None])
    if not feasible.any():
        return None
    alpha_table = _reject_table(t0, n, n1, r1_top, r_low, r_top)
    pick = np.maximum(r_star - r_low, 0)[:, :, None]
    alpha_at = np.take_along_axis(alpha_table, pick, axis=2)[:, :, 0]
    feasible &= alpha_at <= alpha
    if not feasible.any():
        return None
    pet = t0.cdf[n1[:, None], r1]
    expected = np.where(feasible, n1[:, None] + (1.0 - pet) * (n - n1)[:, None], np.inf)
    i, j = np.unravel_index(int(np.argmin(expected)), expected.shape)
    return _Candidate(
        r1=int(j),
        n1=int(n1[i]),
        r=int(r_star[i, j]),
        n=n,
        expected_n_p0=float(expected[i, j]),
        pet_p0=float(pet[i, j]),
        actual_alpha=float(alpha_at[i, j]),
        actual_power=float(np.take_along_axis(power_table, pick, axis=2)[i, j, 0]),
    )


def _best_of_size(t0: _Tables, t1: _Tables, n: int, alpha: float, power: float) -> _Candidate | None:
    """The feasible design of total size n with the smallest EN(p0), if any."""
    # The two-stage rejection region lies inside {X > r} and inside {X1 > r1}, so its power
    # is at most P(X > r | n, p1) and at most P(X1 > r1 | n1, p1): r and r1 cannot exceed
    # the largest values whose single-stage power still reaches `power`.
    reachable = np.flatnonzero(t1.sf[n, t1.offset : t1.offset + n] >= power)
    if reachable.size == 0:
        return None
    r_top = int(reachable[-1])
    n1_all = np.arange(1, n)
    stage1_power = t1.sf[n1_all, t1.offset : t1.offset + n] >= power
    r1_max_all = np.where(stage1_power.any(axis=1), n - 1 - np.argmax(stage1_power[:, ::-1], axis=1), -1)
    keep = r1_max_all >= 0
    n1_all, r1_max_all = n1_all[keep], r1_max_all[keep]
    best: _Candidate | None = None
    start = 0
    while start < n1_all.size:
        stop = start + 1
        while stop < n1_all.size and (stop + 1 - start) * (r1_max_all[stop] + 1) * (r_top + 1) <= _BLOCK_CELLS:
            stop += 1
        found = _best_of_block(t0, t1, n, n1_all[start:stop], r1_max_all[start:stop], r_top, alpha, power)
        if found is not None and (best is None or found.expected_n_p0 < best.expected_n_p0):
            best = found
        start = stop
    return best


def _design(kind: DesignKind, p0: float, p1: float, c: _Candidate) -> SimonDesign:
    return SimonDesign(kind=kind, p0=p0, p1=p1, **asdict(c))


def simon_design(r1: int, n1: int, r: int, n: int, *, p0: float, p1: float) -> SimonDesign:
    """A two-stage design given by its rule (e.g. from a protocol), with its exact characteristics.

    Stop after n1 patients if ≤ r1 respond; reject H0 if > r of n respond (Simon 1989).
    Requires 1 ≤ n1 < n, 0 ≤ r1 < n1 and r1 < r < n; PET, EN, alpha and power are computed
    at p0 and p1.

    >>> simon_design(1, 10, 5, 29, p0=0.10, p1=0.30).pet_p0 > 0.73
    True
    """
    p0, p1 = check_response_rates(p0, p1)
    n = check_count("n", n, minimum=2)
    n1 = check_count("n1", n1, minimum=1, maximum=n - 1)
    r1 = check_count("r1", r1, minimum=0, maximum=n1 - 1)
    r = check_count("r", r, minimum=r1 + 1, maximum=n - 1)
    pet = float(binom.cdf(r1, n1, p0))
    return SimonDesign(
        kind="specified",
        p0=p0,
        p1=p1,
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        expected_n_p0=n1 + (1.0 - pet) * (n - n1),
        pet_p0=pet,
        actual_alpha=_rejection_probability(r1, n1, r, n, p0),
        actual_power=_rejection_probability(r1, n1, r, n, p1),
    )


def simon_two_stage(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.80, *, n_max: int = 100
) -> SimonDesigns:
    """Simon's optimal and minimax two-stage designs (Simon R. Control Clin Trials 1989;10:1–10).

    The rule, as in the paper:
      1. Enrol n1 patients. Stop for futility if r1 or fewer respond (PET(p) = P(X1 ≤ r1)).
      2. Otherwise enrol n − n1 more. Reject H0: p ≤ p0 (treatment promising) if more than
         r of all n respond.
      3. Type I error: P(reject H0 | p0) ≤ alpha. Power: P(reject H0 | p1) ≥ power (= 1 − β).
      4. Optimal: among all designs meeting 3 with n ≤ n_max, the smallest expected sample
         size under p0, EN(p0) = n1 + (1 − PET(p0))·(n − n1).
      5. Minimax: the smallest n meeting 3; among those, the smallest EN(p0).

    The search is exhaustive over n ≤ n_max, 1 ≤ n1 < n, 0 ≤ r1 < n1 and r1 < r < n, with
    exact prunings only: the two-stage rejection region lies inside {X > r} and inside
    {X1 > r1}, so r and r1 never exceed the largest values whose single-stage power
    (P(X > r | n, p1), P(X1 > r1 | n1, p1)) still reaches `power`; and for each (n, n1, r1)
    only the largest r that keeps the power is checked against alpha (a larger r can only
    lower alpha, and EN(p0) does not depend on r). The binomial tables are computed once
    with scipy.stats.binom and every (n1, r1, r) of a given n is evaluated as one array.

    Args:
        p0: response rate at which the treatment is not worth pursuing, 0 < p0 < p1.
        p1: response rate the treatment should reach, p0 < p1 < 1.
        alpha: largest acceptable type I error, 0 < alpha < 1 (one-sided).
        power: smallest acceptable power at p1, 0 < power < 1.
        n_max: largest total sample size searched, 2 ≤ n_max ≤ 200.

    Raises DesignError naming the argument for invalid input, or naming ``n_max`` when no
    design meets the requirements within n_max patients.

    >>> designs = simon_two_stage(0.10, 0.30, alpha=0.05, power=0.80)
    >>> (designs.optimal.r1, designs.optimal.n1, designs.optimal.r, designs.optimal.n)
    (1, 10, 5, 29)
    >>> (designs.minimax.r1, designs.minimax.n1, designs.minimax.r, designs.minimax.n)
    (1, 15, 5, 25)
    """
    p0, p1 = check_response_rates(p0, p1)
    alpha = check_probability("alpha", alpha)
    power = check_probability("power", power)
    n_max = check_count("n_max", n_max, minimum=2, maximum=N_MAX_LIMIT)
    t0, t1 = _tables(p0, n_max), _tables(p1, n_max)
    minimax: _Candidate | None = None
    optimal: _Candidate | None = None
    for n in range(2, n_max + 1):
        best = _best_of_size(t0, t1, n, alpha, power)
        if best is None:
            continue
        minimax = minimax or best
        if optimal is None or best.expected_n_p0 < optimal.expected_n_p0:
            optimal = best
    if minimax is None or optimal is None:
        raise DesignError(
            f"no two-stage design with n ≤ {n_max} has alpha ≤ {alpha:g} and power ≥ {power:g} "
            f"for p0 = {p0:g}, p1 = {p1:g}",
            argument="n_max",
            fix=f"raise n_max (up to {N_MAX_LIMIT}), widen the gap between p0 and p1, or relax alpha or power",
        )
    return SimonDesigns(
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        n_max=n_max,
        optimal=_design("optimal", p0, p1, optimal),
        minimax=_design("minimax", p0, p1, minimax),
    )
