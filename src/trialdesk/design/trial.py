"""The design to state for a trial: its own proposal when trialdesk has one, else the
designs consistent with its registered enrolment target."""

from __future__ import annotations

from collections.abc import Callable

from trialdesk.design.consistent import ConsistentDesigns, consistent_designs
from trialdesk.design.proposal import DesignProposal, nct07520357_proposal

# Trials whose registry record gives no sample size, each with its written-down proposal
PROPOSALS: dict[str, Callable[[], DesignProposal]] = {"NCT07520357": nct07520357_proposal}


def trial_design(
    trial_id: str, target_enrolment: int | None, *, alpha: float = 0.05, power: float = 0.80
) -> ConsistentDesigns | DesignProposal | None:
    """The design section of a trial's report.

    1. A trial with a proposal (`PROPOSALS`) gets it, assumptions and evidence included.
    2. Otherwise, with a target enrolment: the (p0, p1) pairs whose Simon optimal or
       minimax, or A'Hern single-stage, design has that size (`consistent_designs`).
    3. Otherwise None: nothing to state without a target or a proposal.

    >>> trial_design("NCT07077564", 35).matches[0].kind
    'single-stage'
    """
    if trial_id in PROPOSALS:
        return PROPOSALS[trial_id]()
    if target_enrolment is not None:
        return consistent_designs(target_enrolment, alpha, power)
    return None
