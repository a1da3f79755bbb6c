"""Which response-rate hypotheses give a design of a registered size.

A registry record often states a target enrolment (NCT07077564: 35) without the p0 and p1
behind it. Computing the Simon optimal and minimax designs and the A'Hern single-stage
design for candidate (p0, p1) pairs, at a chosen alpha and power, shows which hypotheses
the number is consistent with — a question for the trial team, not an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from trialdesk.design.checks import check_count, check_probability, check_response_rates
from trialdesk.design.simon import N_MAX_LIMIT, SimonDesign, SimonDesigns, simon_two_stage
from trialdesk.design.single_stage import SingleStageDesign, ahern_single_stage
from trialdesk.errors import DesignError

MatchKind = Literal["optimal", "minimax", "single-stage"]

# Response-rate pairs often used for neuroendocrine-neoplasm phase 2 trials. They are
# assumptions to screen, not values taken from a source: the trial team must state theirs.
NEN_RESPONSE_PAIRS: tuple[tuple[float, float], ...] = (
    (0.05, 0.20),
    (0.05, 0.25),
    (0.10, 0.25),
    (0.10, 0.30),
    (0.15, 0.30),
    (0.15, 0.35),
    (0.20, 0.35),
    (0.20, 0.40),
)


@dataclass(frozen=True, slots=True)
class PairDesigns:
    """The three designs for one (p0, p1) pair; `simon` is None when none exists within n_max."""

    p0: float
    p1: float
    simon: SimonDesigns | None
    single_stage: SingleStageDesign | None

    def designs(self) -> tuple[tuple[MatchKind, SimonDesign | SingleStageDesign], ...]:
        found: list[tuple[MatchKind, SimonDesign | SingleStageDesign]] = []
        if self.simon is not None:
            found += [("optimal", self.simon.optimal), ("minimax", self.simon.minimax)]
        if self.single_stage is not None:
            found.append(("single-stage", self.single_stage))
        return tuple(found)

    def sizes_text(self) -> str:
        sizes = [f"{kind} n = {design.n}" for kind, design in self.designs()]
        return ", ".join(sizes) if sizes else "no design within n_max"

    def to_dict(self) -> dict[str, Any]:
        return {
            "p0": self.p0,
            "p1": self.p1,
            "simon": self.simon.to_dict() if self.simon is not None else None,
            "single_stage": self.single_stage.to_dict() if self.single_stage is not None else None,
        }


@dataclass(frozen=True, slots=True)
class DesignMatch:
    """A design whose total sample size equals the target."""

    p0: float
    p1: float
    kind: MatchKind
    design: SimonDesign | SingleStageDesign

    def to_dict(self) -> dict[str, Any]:
        return {"p0": self.p0, "p1": self.p1, "kind": self.kind, "design": self.design.to_dict()}

    def __str__(self) -> str:
        return f"p0 = {self.p0:g}, p1 = {self.p1:g}: {self.kind} — {self.design.rule_text()}"


@dataclass(frozen=True, slots=True)
class ConsistentDesigns:
    """The (p0, p1) pairs whose optimal, minimax or single-stage design has n = `n_total`.

    `matches` lists each matching design; `pairs` keeps every pair's designs so a reader
    can see how near the others come.
    """

    n_total: int
    alpha: float
    power: float
    n_max: int
    matches: tuple[DesignMatch, ...]
    pairs: tuple[PairDesigns, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_total": self.n_total,
            "alpha": self.alpha,
            "power": self.power,
            "n_max": self.n_max,
            "matches": [m.to_dict() for m in self.matches],
            "pairs": [p.to_dict() for p in self.pairs],
        }

    def __str__(self) -> str:
        head = f"Designs with n = {self.n_total} at alpha ≤ {self.alpha:g}, power ≥ {self.power:g}"
        lines = [head]
        lines += [f"  {m}" for m in self.matches] or ["  none of the pairs checked"]
        lines.append("  pairs checked:")
        lines += [f"    p0 = {p.p0:g}, p1 = {p.p1:g}: {p.sizes_text()}" for p in self.pairs]
        return "\n".join(lines)


def _check_pair(pair: object) -> tuple[float, float]:
    if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
        raise DesignError(f"each pair must be (p0, p1), got {pair!r}", argument="p_pairs")
    return check_response_rates(pair[0], pair[1])


def _designs_for_pair(p0: float, p1: float, alpha: float, power: float, n_max: int) -> PairDesigns:
    try:
        simon: SimonDesigns | None = simon_two_stage(p0, p1, alpha, power, n_max=n_max)
    except DesignError as exc:
        if exc.argument != "n_max":
            raise
        simon = None
    try:
        single: SingleStageDesign | None = ahern_single_stage(p0, p1, alpha, power, n_max=n_max)
    except DesignError as exc:
        if exc.argument != "n_max":
            raise
        single = None
    return PairDesigns(p0=p0, p1=p1, simon=simon, single_stage=single)


def consistent_designs(
    n_total: int,
    alpha: float = 0.05,
    power: float = 0.80,
    p_pairs: Sequence[tuple[float, float]] = NEN_RESPONSE_PAIRS,
    *,
    n_max: int = 100,
) -> ConsistentDesigns:
    """The (p0, p1) pairs that give a design with exactly `n_total` patients.

    The rule:
      1. For each (p0, p1) in `p_pairs`, compute Simon's optimal and minimax two-stage
         designs (Simon 1989, searched over n ≤ n_max) and A'Hern's exact single-stage
         design (A'Hern 2001) at the same `alpha` and `power`.
      2. Keep every design whose total n equals `n_total`, in the order of `p_pairs`, then
         optimal, minimax, single-stage.

    A registered enrolment often includes an allowance for unevaluable patients, so no
    match does not mean the trial is mis-sized: compare the sizes listed per pair.

    Args:
        n_total: the target total sample size, 1 ≤ n_total ≤ n_max.
        alpha: largest acceptable type I error, 0 < alpha < 1.
        power: smallest acceptable power, 0 < power < 1.
        p_pairs: the (p0, p1) pairs to try, each with 0 < p0 < p1 < 1; at least one.
        n_max: largest total size searched, n_total ≤ n_max ≤ 200.

    >>> found = consistent_designs(35, alpha=0.05, power=0.80)
    >>> [(m.p0, m.p1, m.kind) for m in found.matches]
    [(0.2, 0.4, 'single-stage')]
    """
    alpha = check_probability("alpha", alpha)
    power = check_probability("power", power)
    n_max = check_count("n_max", n_max, minimum=2, maximum=N_MAX_LIMIT)
    n_total = check_count("n_total", n_total, minimum=1, maximum=n_max)
    if len(p_pairs) == 0:
        raise DesignError("give at least one (p0, p1) pair", argument="p_pairs")
    pairs = tuple(_designs_for_pair(*_check_pair(pair), alpha, power, n_max) for pair in p_pairs)
    matches = tuple(
        DesignMatch(p0=pair.p0, p1=pair.p1, kind=kind, design=design)
        for pair in pairs
        for kind, design in pair.designs()
        if design.n == n_total
    )
    return ConsistentDesigns(n_total=n_total, alpha=alpha, power=power, n_max=n_max, matches=matches, pairs=pairs)
