"""Baseline selection of target lesions (RECIST 1.1 §3.1 measurability, §4.2 selection)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.recist.builders import BASELINE_DAY, non_target, subject, target, visit
from trialdesk.recist import BaselineSelection, check_baseline_selection


def check(*lesions: dict[str, Any], baseline_day: int = BASELINE_DAY) -> BaselineSelection:
    return check_baseline_selection(subject(visit(baseline_day, list(lesions))))


def test_valid_selection_and_sum() -> None:
    """§4.2: the baseline sum adds longest diameters and, for nodes, short axes."""
    result = check(target("T1", 32, site="liver"), target("T2", 18, node=True), non_target("N1", "present"))
    assert result.ok
    assert (result.targets, result.non_targets, result.sum_mm) == (("T1", "T2"), ("N1",), Decimal(50))


def test_six_targets() -> None:
    """§4.2: at most 5 target lesions in total."""
    result = check(*(target(f"T{i}", 20) for i in range(1, 7)))
    assert not result.ok
    assert [p.section for p in result.problems] == ["§4.2"]
    assert "6 target lesions" in result.problems[0].message


def test_three_in_one_organ() -> None:
    """§4.2: at most 2 target lesions per organ."""
    result = check(target("T1", 20, site="liver"), target("T2", 20, site="liver"), target("T3", 20, site="Liver"))
    assert not result.ok
    assert result.problems[0].lesions == ("T1", "T2", "T3")
    assert "3 target lesions in liver" in result.problems[0].message


def test_twelve_mm_node_as_target() -> None:
    """§3.1 and §4.2: a node is measurable from 15 mm short axis; 10 to < 15 mm is a
    pathological node to follow as non-target."""
    result = check(target("T1", 30), target("T2", 12, node=True))
    assert not result.ok
    assert result.problems[0].lesions == ("T2",)
    assert "non-target" in result.problems[0].message


def test_measurability_boundaries() -> None:
    """§3.1: non-nodal ≥ 10 mm and node ≥ 15 mm are measurable; 9.9 mm and 14.9 mm are not."""
    assert check(target("T1", 10), target("T2", 15, node=True)).ok
    assert not check(target("T1", 9.9)).ok
    assert not check(target("T1", 14.9, node=True)).ok


def test_lymph_nodes_count_as_one_organ() -> None:
    """§4.2 limit of 2 per organ, with all lymph nodes one organ (RECIST working group FAQ
    "Paired organs"): three nodal targets at three nodal sites are too many."""
    result = check(
        target("T1", 20, node=True, site="axillary node"),
        target("T2", 20, node=True, site="hilar node"),
        target("T3", 20, node=True, site="iliac node"),
    )
    assert not result.ok
    assert "lymph nodes" in result.problems[0].message


def test_target_not_measured_at_baseline() -> None:
    """§4.2: target lesions are measured at baseline."""
    assert not check(target("T1", None)).ok


def test_no_disease() -> None:
    """There must be some disease to follow."""
    assert not check().ok


def test_baseline_after_first_dose() -> None:
    """§3.2: baseline evaluations precede treatment."""
    assert not check(target("T1", 20), baseline_day=2).ok


def test_warnings_do_not_invalidate() -> None:
    """§3.2: baseline ideally within 4 weeks before treatment; §4.2: a node < 10 mm is normal."""
    result = check(target("T1", 20), non_target("N1", "present", node=True) | {"diameter_mm": 8}, baseline_day=-40)
    assert result.ok
    assert len(result.warnings) == 2


def test_every_problem_is_reported() -> None:
    """All problems come at once, each with its section, and the result prints them."""
    result = check(*(target(f"T{i}", 12, node=True, site="node") for i in range(1, 7)))
    assert len(result.problems) == 6 + 2
    assert "INVALID" in str(result)
    assert result.to_dict()["valid"] is False
