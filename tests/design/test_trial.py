"""`trial_design`: the design section of a trial's report."""

from __future__ import annotations

from trialdesk.design import ConsistentDesigns, DesignProposal, trial_design


def test_step_1_a_trial_with_a_proposal_gets_it() -> None:
    design = trial_design("NCT07520357", None)
    assert isinstance(design, DesignProposal)
    assert (design.p0, design.p1) == (0.10, 0.30)


def test_step_2_a_target_gives_the_consistent_designs() -> None:
    design = trial_design("NCT07077564", 35)
    assert isinstance(design, ConsistentDesigns)
    assert design.n_total == 35


def test_step_3_nothing_to_state() -> None:
    assert trial_design("NCT00000000", None) is None
