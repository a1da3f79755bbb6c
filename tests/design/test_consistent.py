"""Which (p0, p1) pairs give a design of a registered size, and the NCT07520357 proposal."""

from __future__ import annotations

import json

import pytest

from trialdesk.design import (
    NEN_RESPONSE_PAIRS,
    SingleStageDesign,
    ahern_single_stage,
    consistent_designs,
    nct07520357_proposal,
    simon_two_stage,
)
from trialdesk.errors import DesignError


def test_nct07077564_target_of_35_at_alpha_005_power_080() -> None:
    """NCT07077564 registers 35 patients. At alpha 0.05 / power 0.80 only A'Hern's design for
    p0 = 0.20, p1 = 0.40 (reject H0 if ≥ 12 of 35) has exactly 35 among the default pairs."""
    found = consistent_designs(35, alpha=0.05, power=0.80)
    assert [(m.p0, m.p1, m.kind) for m in found.matches] == [(0.20, 0.40, "single-stage")]
    single = found.matches[0].design
    assert isinstance(single, SingleStageDesign)
    assert (single.n, single.r) == (35, 12)


def test_nct07077564_target_of_35_at_power_090() -> None:
    """At power 0.90, Simon's optimal design for p0 = 0.10, p1 = 0.30 has n = 35."""
    found = consistent_designs(35, alpha=0.05, power=0.90)
    assert (0.10, 0.30, "optimal") in [(m.p0, m.p1, m.kind) for m in found.matches]


def test_step1_and_step2_every_design_is_checked_and_only_matches_are_listed() -> None:
    """Step 1: all three designs per pair; step 2: exactly those with n = target, in order."""
    found = consistent_designs(25, alpha=0.05, power=0.80)
    assert [(p.p0, p.p1) for p in found.pairs] == list(NEN_RESPONSE_PAIRS)
    expected = []
    for p0, p1 in NEN_RESPONSE_PAIRS:
        simon = simon_two_stage(p0, p1, 0.05, 0.80)
        single = ahern_single_stage(p0, p1, 0.05, 0.80)
        expected += [
            (p0, p1, kind)
            for kind, d in (("optimal", simon.optimal), ("minimax", simon.minimax), ("single-stage", single))
            if d.n == 25
        ]
    assert [(m.p0, m.p1, m.kind) for m in found.matches] == expected
    assert (0.10, 0.30, "minimax") in expected


def test_no_match_still_lists_the_pairs() -> None:
    found = consistent_designs(31, alpha=0.05, power=0.80, p_pairs=[(0.10, 0.30)])
    assert found.matches == ()
    text = str(found)
    assert "none of the pairs checked" in text
    assert "optimal n = 29, minimax n = 25, single-stage n = 25" in text
    data = json.loads(json.dumps(found.to_dict()))
    assert data["pairs"][0]["simon"]["optimal"]["n"] == 29


def test_pair_without_design_within_n_max_is_kept_as_none() -> None:
    found = consistent_designs(20, p_pairs=[(0.30, 0.40)], n_max=40)
    assert found.pairs[0].simon is None
    assert found.pairs[0].single_stage is None
    assert "no design within n_max" in str(found)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_total": 0}, "n_total"),
        ({"n_total": 150}, "n_total"),
        ({"n_total": 35, "p_pairs": []}, "p_pairs"),
        ({"n_total": 35, "p_pairs": [(0.3, 0.1)]}, "p0"),
        ({"n_total": 35, "p_pairs": [(0.1,)]}, "p_pairs"),
        ({"n_total": 35, "alpha": 1.0}, "alpha"),
    ],
)
def test_invalid_input_names_the_argument(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(DesignError) as caught:
        consistent_designs(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument == argument


def test_nct07520357_proposal_states_its_assumptions() -> None:
    proposal = nct07520357_proposal()
    assert (proposal.trial_id, proposal.p0, proposal.p1, proposal.alpha, proposal.power) == (
        "NCT07520357",
        0.10,
        0.30,
        0.05,
        0.80,
    )
    optimal = proposal.simon.optimal
    assert (optimal.r1, optimal.n1, optimal.r, optimal.n) == (1, 10, 5, 29)
    assert all(
        "assumption" in a.lower() or "confirm" in a.lower() or "non-responders" in a for a in proposal.assumptions
    )
    assert any("PRODIGE 41-BEVANEC" in e for e in proposal.evidence)
    assert [(p.p0, p.p1) for p in proposal.sensitivity] == [(0.10, 0.25), (0.15, 0.35), (0.20, 0.40)]
    data = json.loads(json.dumps(proposal.to_dict()))
    assert data["single_stage"]["n"] == 25
    assert "assumptions (for the trial team to confirm)" in str(proposal)
