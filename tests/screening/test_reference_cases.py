"""Reference screening cases, written from the seed text before the code that computes them.

Each file in tests/reference/screening/ holds cases for one trial: a JSON Patch (RFC 6902)
of the base record P01, the planned dates, the seed sentence that decides the case, and
the expected verdicts. A second test enumerates the protocol's criteria and fails for any
criterion that no case shows as pass, as fail and as unknown.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml

from tests.conftest import SEEDS, screen_data
from trialdesk.criteria import ast
from trialdesk.knowledge.base import Knowledge
from trialdesk.protocol.load import LoadedProtocol, normalise_space

CASES_DIR = Path(__file__).resolve().parents[1] / "reference" / "screening"
CASE_FILES = sorted(CASES_DIR.glob("NCT*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _cases() -> list[Any]:
    out = []
    for path in CASE_FILES:
        spec = _load(path)
        for case in spec["cases"]:
            out.append(pytest.param(spec, case, id=f"{spec['trial']}:{case['id']}"))
    return out


def _seed_text() -> str:
    return normalise_space(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))


@pytest.mark.parametrize(("spec", "case"), _cases())
def test_reference_case(
    spec: dict[str, Any],
    case: dict[str, Any],
    base_record: dict[str, Any],
    protocols: dict[str, LoadedProtocol],
    knowledge: Knowledge,
) -> None:
    # the deciding sentence is quoted from the seed, so a reader can check the expectation
    assert normalise_space(case["decides"]) in _seed_text(), f"'decides' is not seed text: {case['decides']!r}"
    record = jsonpatch.apply_patch(copy.deepcopy(base_record), case.get("patch", []))
    as_of = date.fromisoformat(str(case.get("as_of", spec["as_of"])))
    first_dose = date.fromisoformat(str(case["first_dose"])) if "first_dose" in case else None
    result = screen_data(record, protocols[spec["trial"]], knowledge, as_of, first_dose)
    verdicts = {c.id: c.verdict for c in result.criteria}
    for criterion_id, expected in case["expect"].items():
        assert criterion_id in verdicts, f"no criterion {criterion_id}"
        explanation = next(c.explanation for c in result.criteria if c.id == criterion_id)
        assert verdicts[criterion_id] == expected, f"{criterion_id}: {verdicts[criterion_id]} ({explanation})"
    if "status" in case:
        assert result.status == case["status"]
    if "earliest_eligible_date" in case:
        expected_day = case["earliest_eligible_date"]
        assert result.earliest_eligible_date == (date.fromisoformat(str(expected_day)) if expected_day else None)
    if "expires_on" in case:
        assert result.expires_on == date.fromisoformat(str(case["expires_on"]))
    if "needs" in case:
        keys = {n.need.key for n in result.needs}
        assert set(case["needs"]) <= keys, f"needs {keys}"


def _can_never_fail(protocol: LoadedProtocol, criterion_id: str) -> bool:
    """A criterion with a reading that accepts every patient (rule `true`) can be unknown
    (readings disagree) or pass, never fail: such criteria are exempt from needing a fail."""
    pc = next(c for c in protocol.criteria if c.criterion.id == criterion_id)
    return any(r.rule == ast.Literal(True) for r in pc.readings)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_every_criterion_has_pass_fail_and_unknown_cases(path: Path, protocols: dict[str, LoadedProtocol]) -> None:
    spec = _load(path)
    protocol = protocols[spec["trial"]]
    seen: dict[str, set[str]] = {c.criterion.id: set() for c in protocol.criteria}
    for case in spec["cases"]:
        for criterion_id, verdict in case["expect"].items():
            seen[criterion_id].add(verdict)
    missing = {}
    for criterion_id, verdicts in seen.items():
        wanted = {"pass", "unknown"} if _can_never_fail(protocol, criterion_id) else {"pass", "fail", "unknown"}
        if wanted - verdicts:
            missing[criterion_id] = sorted(wanted - verdicts)
    assert not missing, f"criteria lacking cases: {missing}"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_at_least_thirty_cases(path: Path) -> None:
    assert len(_load(path)["cases"]) >= 30
