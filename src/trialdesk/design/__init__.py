"""Single-arm phase 2 designs for a binary response endpoint (exact binomial, on scipy.stats).

    designs = simon_two_stage(0.10, 0.30, alpha=0.05, power=0.80)   # Simon 1989
    designs.optimal, designs.minimax                                 # r1/n1, r/n, EN(p0), PET(p0)
    ahern_single_stage(0.10, 0.30, alpha=0.05, power=0.80)           # A'Hern 2001: reject if ≥ r
    interim_decision(designs.optimal, responses=2, evaluated=10)     # continue / futility / efficacy
    simon_design(1, 10, 5, 29, p0=0.10, p1=0.30)                     # a protocol's stated rule
    consistent_designs(35, alpha=0.05, power=0.80)                   # which (p0, p1) give n = 35
    nct07520357_proposal()                                           # a proposal, with its assumptions
    trial_design("NCT07077564", target_enrolment=35)                 # a report's design section
    Console().print(render_design(designs))                          # people; .to_dict() for machines

Every function checks its arguments first and raises `trialdesk.errors.DesignError` naming
the argument (p0, p1, alpha, power, n_max, responses, evaluated, ...).
"""

from trialdesk.design.consistent import (
    NEN_RESPONSE_PAIRS,
    ConsistentDesigns,
    DesignMatch,
    PairDesigns,
    consistent_designs,
)
from trialdesk.design.interim import InterimDecision, Verdict, interim_decision
from trialdesk.design.proposal import DesignProposal, nct07520357_proposal, propose_design
from trialdesk.design.render import render_design
from trialdesk.design.simon import N_MAX_LIMIT, SimonDesign, SimonDesigns, simon_design, simon_two_stage
from trialdesk.design.single_stage import SingleStageDesign, ahern_single_stage
from trialdesk.design.trial import PROPOSALS, trial_design

__all__ = [
    "NEN_RESPONSE_PAIRS",
    "N_MAX_LIMIT",
    "PROPOSALS",
    "ConsistentDesigns",
    "DesignMatch",
    "DesignProposal",
    "InterimDecision",
    "PairDesigns",
    "SimonDesign",
    "SimonDesigns",
    "SingleStageDesign",
    "Verdict",
    "ahern_single_stage",
    "consistent_designs",
    "interim_decision",
    "nct07520357_proposal",
    "propose_design",
    "render_design",
    "simon_design",
    "simon_two_stage",
    "trial_design",
]
