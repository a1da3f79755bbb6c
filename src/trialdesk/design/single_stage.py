"""A'Hern's exact single-stage phase 2 design for a binary response endpoint.

A'Hern RP. Sample size tables for exact single-stage phase II designs. Stat Med
2001;20:859–866. Exact binomial probabilities, no normal approximation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import binom

from trialdesk.design.checks import check_count, check_probability, check_response_rates
from trialdesk.errors import DesignError

# Sizes are tried in blocks, so the usual small design is found without tabulating 1000 sizes.
_BLOCK = 100


@dataclass(frozen=True, slots=True)
class SingleStageDesign:
    """An exact single-stage design: treat `n` patients, reject H0 if `r` or more respond.

    The convention is A'Hern's: `r` is the smallest number of responses that rejects
    H0: p ≤ p0, so P(X ≥ r | p0) ≤ alpha and P(X ≥ r | p1) ≥ power. (Simon's tables state
    the same rule as "more than r − 1"; see `reject_if_more_than`.)
    """

    p0: float
    p1: float
    alpha: float
    power: float
    n: int
    r: int
    actual_alpha: float
    actual_power: float

    @property
    def reject_if_more_than(self) -> int:
        """The same rule in Simon's convention: reject H0 if more than r − 1 respond."""
        return self.r - 1

    def rejection_probability(self, p: float) -> float:
        """P(X ≥ r | n, p): the probability of declaring the treatment promising at rate `p`."""
        return float(binom.sf(self.r - 1, self.n, check_probability("p", p)))

    def rule_text(self) -> str:
        return f"treat {self.n}; reject H0 (promising) if ≥ {self.r} responses in {self.n}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "A'Hern exact single-stage (A'Hern 2001)",
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "n": self.n,
            "r": self.r,
            "rule": "reject H0 if responses >= r",
            "actual_alpha": self.actual_alpha,
            "actual_power": self.actual_power,
        }

    def __str__(self) -> str:
        return (
            f"A'Hern single-stage, p0 = {self.p0:g}, p1 = {self.p1:g}: n = {self.n}, "
            f"reject H0 if ≥ {self.r} responses; alpha = {self.actual_alpha:.4f}, power = {self.actual_power:.4f}"
        )


def ahern_single_stage(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.80, *, n_max: int = 1000
) -> SingleStageDesign:
    """The smallest exact single-stage design (A'Hern RP. Stat Med 2001;20:859–866).

    The rule:
      1. Treat n patients and count the responses X ~ Binomial(n, p).
      2. Reject H0: p ≤ p0 if X ≥ r, where r is the smallest count with P(X ≥ r | p0) ≤ alpha.
      3. n is the smallest size at which that r also gives P(X ≥ r | p1) ≥ power.

    Because the binomial is discrete, a larger n can fail where a smaller one passed; like
    A'Hern, the smallest n that meets both conditions is returned.

    Args:
        p0: response rate at which the treatment is not worth pursuing, 0 < p0 < p1.
        p1: response rate the treatment should reach, p0 < p1 < 1.
        alpha: largest acceptable type I error, 0 < alpha < 1 (one-sided).
        power: smallest acceptable power at p1, 0 < power < 1.
        n_max: largest sample size tried, 1 ≤ n_max ≤ 10000.

    Raises DesignError naming the argument for invalid input, or naming ``n_max`` when no
    n ≤ n_max works.

    >>> design = ahern_single_stage(0.10, 0.30, alpha=0.05, power=0.80)
    >>> (design.n, design.r)
    (25, 6)
    """
    p0, p1 = check_response_rates(p0, p1)
    alpha = check_probability("alpha", alpha)
    power = check_probability("power", power)
    n_max = check_count("n_max", n_max, minimum=1, maximum=10_000)
    for start in range(1, n_max + 1, _BLOCK):
        sizes = np.arange(start, min(start + _BLOCK, n_max + 1))
        counts = np.arange(sizes[-1] + 2)
        # upper[i, k] = P(X ≥ k | sizes[i], p0); r is the first k where it drops to alpha or below
        upper0 = binom.sf(counts[None, :] - 1, sizes[:, None], p0)
        r = np.argmax(upper0 <= alpha, axis=1)
        reached = binom.sf(r - 1, sizes, p1) >= power
        if reached.any():
            i = int(np.argmax(reached))
            n, critical = int(sizes[i]), int(r[i])
            return SingleStageDesign(
                p0=p0,
                p1=p1,
                alpha=alpha,
                power=power,
                n=n,
                r=critical,
                actual_alpha=float(binom.sf(critical - 1, n, p0)),
                actual_power=float(binom.sf(critical - 1, n, p1)),
            )
    raise DesignError(
        f"no single-stage design with n ≤ {n_max} has alpha ≤ {alpha:g} and power ≥ {power:g} "
        f"for p0 = {p0:g}, p1 = {p1:g}",
        argument="n_max",
        fix="raise n_max, widen the gap between p0 and p1, or relax alpha or power",
    )
