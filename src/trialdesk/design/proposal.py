"""A proposed design for a trial whose registry record gives no sample size, with its assumptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.design.checks import check_probability, check_response_rates
from trialdesk.design.consistent import PairDesigns
from trialdesk.design.simon import SimonDesigns, simon_two_stage
from trialdesk.design.single_stage import SingleStageDesign, ahern_single_stage


@dataclass(frozen=True, slots=True)
class DesignProposal:
    """Designs proposed for one trial, the assumptions behind them and what supports them.

    `assumptions` are choices the trial team must confirm; `evidence` lists only what could
    be cited. `sensitivity` holds the designs under other (p0, p1) pairs worth comparing.
    """

    trial_id: str
    p0: float
    p1: float
    alpha: float
    power: float
    simon: SimonDesigns
    single_stage: SingleStageDesign
    assumptions: tuple[str, ...]
    evidence: tuple[str, ...]
    sensitivity: tuple[PairDesigns, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "simon": self.simon.to_dict(),
            "single_stage": self.single_stage.to_dict(),
            "assumptions": list(self.assumptions),
            "evidence": list(self.evidence),
            "sensitivity": [pair.to_dict() for pair in self.sensitivity],
        }

    def __str__(self) -> str:
        lines = [f"Proposed design for {self.trial_id}", str(self.simon), f"  {self.single_stage}"]
        lines += ["  assumptions (for the trial team to confirm):"] + [f"    - {a}" for a in self.assumptions]
        lines += ["  evidence:"] + [f"    - {e}" for e in self.evidence]
        lines += ["  sensitivity:"] + [f"    p0 = {p.p0:g}, p1 = {p.p1:g}: {p.sizes_text()}" for p in self.sensitivity]
        return "\n".join(lines)


def propose_design(
    trial_id: str,
    p0: float,
    p1: float,
    alpha: float = 0.05,
    power: float = 0.80,
    *,
    assumptions: Sequence[str] = (),
    evidence: Sequence[str] = (),
    sensitivity_pairs: Sequence[tuple[float, float]] = (),
    n_max: int = 100,
) -> DesignProposal:
    """Simon's optimal and minimax designs and A'Hern's single-stage design for one trial.

    The rule:
      1. Compute the Simon two-stage designs (Simon 1989) and the A'Hern single-stage
         design (A'Hern 2001) at (p0, p1, alpha, power).
      2. Compute the same designs for each pair in `sensitivity_pairs`.
      3. Carry the stated assumptions and evidence with the numbers, so the proposal is
         never read without them.
    """
    p0, p1 = check_response_rates(p0, p1)
    alpha = check_probability("alpha", alpha)
    power = check_probability("power", power)
    sensitivity = tuple(
        PairDesigns(
            p0=q0,
            p1=q1,
            simon=simon_two_stage(q0, q1, alpha, power, n_max=n_max),
            single_stage=ahern_single_stage(q0, q1, alpha, power, n_max=n_max),
        )
        for q0, q1 in (check_response_rates(a, b) for a, b in sensitivity_pairs)
    )
    return DesignProposal(
        trial_id=trial_id,
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        simon=simon_two_stage(p0, p1, alpha, power, n_max=n_max),
        single_stage=ahern_single_stage(p0, p1, alpha, power, n_max=n_max),
        assumptions=tuple(assumptions),
        evidence=tuple(evidence),
        sensitivity=sensitivity,
    )


def nct07520357_proposal() -> DesignProposal:
    """A proposed design for NCT07520357 (SHR-A1904 in advanced NEC after platinum).

    The trial's seed page states a confirmed-ORR primary endpoint but no target enrolment
    and no response-rate hypotheses, so every rate here is an assumption to be confirmed.
    """
    return propose_design(
        "NCT07520357",
        p0=0.10,
        p1=0.30,
        alpha=0.05,
        power=0.80,
        assumptions=(
            "p0 = 0.10: the confirmed ORR at or below which SHR-A1904 is not worth pursuing after "
            "platinum-based chemotherapy. An assumption: the seed page gives no second-line response rate.",
            "p1 = 0.30: the confirmed ORR the drug should reach. An assumption.",
            "alpha = 0.05 (one-sided) and power = 0.80: conventional choices, to be confirmed.",
            "Patients without a confirmed CR or PR by RECIST 1.1 count as non-responders.",
        ),
        evidence=(
            "PRODIGE 41-BEVANEC (Walter T, et al. Lancet Oncol 2023; NCT02820857), which the seed page "
            "names as the best-supported second-line option, reported objective response in 18% with "
            "FOLFIRI and 25% with FOLFIRI plus bevacizumab in gastroenteropancreatic or unknown-primary "
            "NEC after platinum-etoposide (as summarised by The ASCO Post, February 2023). If FOLFIRI is "
            "the benchmark, p0 = 0.10 is below it: the p0 = 0.20 rows show what that would cost.",
        ),
        sensitivity_pairs=((0.10, 0.25), (0.15, 0.35), (0.20, 0.40)),
    )
