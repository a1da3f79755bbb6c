"""Results print for people (`__str__`, `render_design`) and export for machines (`to_dict`);
bad input raises DesignError naming the argument."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from rich.console import Console

from trialdesk.design import (
    ahern_single_stage,
    consistent_designs,
    interim_decision,
    nct07520357_proposal,
    render_design,
    simon_two_stage,
)
from trialdesk.errors import DesignError, TrialdeskError


def rendered(result: object) -> str:
    console = Console(record=True, width=160)
    console.print(render_design(result))  # type: ignore[arg-type]
    return console.export_text()


def test_simon_designs_print_like_simons_table() -> None:
    designs = simon_two_stage(0.10, 0.30)
    assert str(designs) == (
        "Simon two-stage designs, p0 = 0.1, p1 = 0.3, alpha ≤ 0.05, power ≥ 0.8 (n ≤ 100)\n"
        "  optimal  r1/n1 = 1/10, r/n = 5/29: EN(p0) = 15.0, PET(p0) = 0.74, alpha = 0.0471, power = 0.8051\n"
        "  minimax  r1/n1 = 1/15, r/n = 5/25: EN(p0) = 19.5, PET(p0) = 0.55, alpha = 0.0328, power = 0.8017\n"
        "  stop early if ≤ r1 responses in n1; reject H0 (promising) if > r responses in n"
    )
    data = json.loads(json.dumps(designs.to_dict()))
    assert {key: data["optimal"][key] for key in ("kind", "p0", "p1", "r1", "n1", "r", "n", "n2")} == {
        "kind": "optimal",
        "p0": 0.1,
        "p1": 0.3,
        "r1": 1,
        "n1": 10,
        "r": 5,
        "n": 29,
        "n2": 19,
    }
    assert data["optimal"]["expected_n_p0"] == pytest.approx(15.0141203471, abs=1e-9)
    text = rendered(designs)
    for cell in ("optimal", "minimax", "1/10", "5/29", "1/15", "5/25", "15.0", "19.5", "0.74", "0.55"):
        assert cell in text


def test_every_result_renders() -> None:
    designs = simon_two_stage(0.10, 0.30)
    assert "reject H0 if ≥ 6 responses in 25" in rendered(ahern_single_stage(0.10, 0.30))
    assert "stop for futility" in rendered(interim_decision(designs.optimal, responses=1, evaluated=10))
    assert "optimal" in rendered(designs.optimal)
    assert "p0 = 0.2, p1 = 0.4: single-stage" in rendered(consistent_designs(35))
    proposal_text = rendered(nct07520357_proposal())
    assert "Assumptions for the trial team to confirm" in proposal_text
    assert "Sensitivity" in proposal_text


def test_results_are_frozen() -> None:
    designs = simon_two_stage(0.10, 0.30)
    with pytest.raises(dataclasses.FrozenInstanceError):
        designs.optimal.n = 30  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"p0": 0.30, "p1": 0.30}, "p0"),
        ({"p0": 0.40, "p1": 0.20}, "p0"),
        ({"p0": 0.0, "p1": 0.20}, "p0"),
        ({"p0": 0.10, "p1": 1.0}, "p1"),
        ({"p0": 0.10, "p1": 0.30, "alpha": 0.0}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "alpha": 1.0}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "alpha": 5}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "alpha": math.nan}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "alpha": "0.05"}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "alpha": True}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "power": 1.2}, "power"),
        ({"p0": 0.10, "p1": 0.30, "power": -0.1}, "power"),
        ({"p0": 0.10, "p1": 0.30, "n_max": 1}, "n_max"),
        ({"p0": 0.10, "p1": 0.30, "n_max": 500}, "n_max"),
        ({"p0": 0.10, "p1": 0.30, "n_max": 50.0}, "n_max"),
    ],
)
def test_simon_input_errors_name_the_argument(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(DesignError) as caught:
        simon_two_stage(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"{argument}: ")
    assert isinstance(caught.value, TrialdeskError)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"p0": 0.30, "p1": 0.10}, "p0"),
        ({"p0": 0.10, "p1": 0.30, "alpha": 1.5}, "alpha"),
        ({"p0": 0.10, "p1": 0.30, "power": 0.0}, "power"),
        ({"p0": 0.10, "p1": 0.30, "n_max": 0}, "n_max"),
    ],
)
def test_single_stage_input_errors_name_the_argument(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(DesignError) as caught:
        ahern_single_stage(**kwargs)  # type: ignore[arg-type]
    assert caught.value.argument == argument


def test_p0_not_below_p1_says_how_to_fix() -> None:
    with pytest.raises(DesignError) as caught:
        simon_two_stage(0.30, 0.10)
    assert "must be below the target rate p1" in str(caught.value)
    assert caught.value.fix is not None
