"""Response rates (ORR, DCR) with binomial confidence intervals.

The exact interval is Clopper & Pearson (Biometrika 1934;26:404–413), the one R's
`binom.test` reports; Wilson's score interval (J Am Stat Assoc 1927;22:209–212, without
continuity correction) is the option. Both come from `scipy.stats.binomtest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from scipy.stats import binomtest

from trialdesk.errors import AnalysisError

ProportionCI = Literal["exact", "wilson"]
PROPORTION_CI_NAMES: dict[str, str] = {"exact": "Clopper–Pearson exact", "wilson": "Wilson score"}


def binomial_confidence_interval(
    successes: int, n: int, *, method: ProportionCI = "exact", confidence: float = 0.95
) -> tuple[float, float]:
    """The two-sided interval for a binomial proportion `successes`/`n`.

    Example
    -------
    >>> [round(x, 4) for x in binomial_confidence_interval(7, 35)]
    [0.0844, 0.3694]
    """
    if n < 1:
        raise AnalysisError(f"n is {n}", fix="a proportion needs at least one subject")
    if not 0 <= successes <= n:
        raise AnalysisError(f"successes is {successes} for n {n}", fix="give 0 ≤ successes ≤ n")
    if method not in PROPORTION_CI_NAMES:
        raise AnalysisError(f"proportion CI method is {method!r}", fix="use 'exact' or 'wilson'")
    if not 0 < confidence < 1:
        raise AnalysisError(f"confidence is {confidence}", fix="give a level between 0 and 1, e.g. 0.95")
    interval = binomtest(successes, n).proportion_ci(confidence_level=confidence, method=method)
    return float(interval.low), float(interval.high)


@dataclass(frozen=True, slots=True)
class BinomialProportion:
    """A rate among the analysis population: `count`/`n` with its confidence interval."""

    name: str
    count: int
    n: int
    estimate: float
    lower: float
    upper: float
    ci_method: ProportionCI
    confidence: float
    definition: str

    @classmethod
    def of(
        cls,
        name: str,
        count: int,
        n: int,
        *,
        definition: str,
        method: ProportionCI = "exact",
        confidence: float = 0.95,
    ) -> BinomialProportion:
        lower, upper = binomial_confidence_interval(count, n, method=method, confidence=confidence)
        return cls(name, count, n, count / n, lower, upper, method, confidence, definition)

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.count}/{self.n} = {100 * self.estimate:.1f}% "
            f"({100 * self.confidence:g}% CI {100 * self.lower:.1f}–{100 * self.upper:.1f}%, "
            f"{PROPORTION_CI_NAMES[self.ci_method]})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "count": self.count,
            "n": self.n,
            "estimate": self.estimate,
            "ci_lower": self.lower,
            "ci_upper": self.upper,
            "ci_method": self.ci_method,
            "confidence": self.confidence,
            "definition": self.definition,
        }
