"""Invariants of the response rules, checked on generated visits (Hypothesis).

Order of responses: CR < PR < SD (= non-CR/non-PD) < PD; NE is off the scale and set aside.

- Shrinking target lesions at a visit, all else equal, never worsens that visit's
  response: the rules only ever reward a smaller sum (§4.3.1) and smaller lesions (CR).
- Adding a new lesion never improves a response: an unequivocal one is PD (§4.3.5, Table 1
  row 9), an equivocal one changes nothing at that visit.
- A visit turning into PD never improves the best overall response, with or without
  confirmation (§4.4.3: best response is recorded until progression).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.recist.builders import BASELINE_DAY, assessment, day, non_target, visit
from trialdesk.recist import Response, ResponseAt, assess_time_point, best_overall_response
from trialdesk.recist.categories import severity

from .builders import START

TENTH = Decimal("0.1")
# weighted towards the common case, so that every response category turns up often
STATUSES = ["present", "present", "present", "absent", "absent", "unequivocal_progression", "not_assessed"]
NEW_LESIONS: list[list[dict[str, Any]]] = [[], [], [], [{"site": "lung", "equivocal": True}], [{"site": "lung"}]]


def _target(lesion_id: str, size: Decimal | None, node: bool) -> dict[str, Any]:
    return {"id": lesion_id, "site": f"site {lesion_id}", "kind": "target", "lymph_node": node, "diameter_mm": size}


@st.composite
def visits(draw: st.DrawFn) -> dict[str, Any]:
    """A baseline of 1–5 measurable targets and 0–2 non-targets, one follow-up of them, the
    follow-up's new lesions and a nadir of 40–100 % of the baseline sum; sizes in 0.1 mm."""
    count = draw(st.integers(1, 5))
    base, follow, sizes = [], [], []
    for i in range(count):
        node = draw(st.booleans())
        baseline_tenths = draw(st.integers(150 if node else 100, 1200))
        # one lesion in ten not assessed, so that most visits stay evaluable
        tenths = None if draw(st.integers(0, 9)) == 0 else draw(st.integers(0, baseline_tenths * 3 // 2))
        sizes.append(tenths)
        base.append(_target(f"T{i}", baseline_tenths * TENTH, node))
        follow.append(_target(f"T{i}", None if tenths is None else tenths * TENTH, node))
    for j in range(draw(st.integers(0, 2))):
        base.append(non_target(f"N{j}", "present"))
        follow.append(non_target(f"N{j}", draw(st.sampled_from(STATUSES))))
    new = draw(st.sampled_from(NEW_LESIONS))
    baseline_sum = sum((t["diameter_mm"] for t in base if t["kind"] == "target"), Decimal(0))
    nadir = (baseline_sum * draw(st.integers(40, 100)) / 100).quantize(TENTH)
    shrink = [None if s is None else draw(st.integers(0, s)) for s in sizes]
    return {"base": base, "follow": follow, "new": new, "nadir": nadir, "shrink": shrink}


def _respond(case: dict[str, Any], follow: list[dict[str, Any]], new: list[dict[str, Any]]) -> Response:
    baseline = assessment(visit(BASELINE_DAY, case["base"]))
    return assess_time_point(baseline, assessment(visit(56, follow, new)), nadir_mm=case["nadir"]).overall


def _shrunk(case: dict[str, Any]) -> list[dict[str, Any]]:
    out = [dict(lesion) for lesion in case["follow"]]
    for lesion, cut in zip(out, case["shrink"], strict=False):
        if cut is not None and lesion["diameter_mm"] is not None:
            lesion["diameter_mm"] -= cut * TENTH
    return out


def _not_better(after: Response, before: Response) -> bool:
    """`after` is no better than `before` on the CR < PR < SD < PD scale (NE set aside)."""
    a, b = severity(after), severity(before)
    return a is None or b is None or a >= b


@settings(max_examples=400, deadline=None)
@given(visits())
def test_shrinking_targets_never_worsens_the_visit(case: dict[str, Any]) -> None:
    """§4.3.1 and Table 1: smaller target lesions, all else equal, are never a worse response."""
    before = _respond(case, case["follow"], case["new"])
    after = _respond(case, _shrunk(case), case["new"])
    assert _not_better(before, after), (before, after)


@settings(max_examples=400, deadline=None)
@given(visits(), st.booleans())
def test_adding_a_new_lesion_never_improves_the_visit(case: dict[str, Any], equivocal: bool) -> None:
    """§4.3.5 and Table 1 row 9: a new lesion is PD when unequivocal and changes nothing at
    the visit when equivocal."""
    before = _respond(case, case["follow"], case["new"])
    after = _respond(case, case["follow"], [*case["new"], {"site": "brain", "equivocal": equivocal}])
    assert _not_better(after, before), (before, after)
    if not equivocal:
        assert after == Response.PD


RESPONSES = [Response.CR, Response.PR, Response.SD, Response.PD, Response.NE]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.tuples(st.integers(7, 60), st.sampled_from(RESPONSES)), min_size=1, max_size=7),
    st.data(),
    st.sampled_from([0, 42, 70]),
    st.booleans(),
)
def test_progression_at_a_visit_never_improves_the_best_response(
    steps: list[tuple[int, Response]], data: st.DataObject, min_sd_days: int, confirm: bool
) -> None:
    """§4.4.3 and Table 3: turning one time point into PD never gives a better best response."""
    points, elapsed = [], 0
    for gap, response in steps:
        elapsed += gap
        points.append(ResponseAt(day(elapsed), response))
    k = data.draw(st.integers(0, len(points) - 1))
    worse = [ResponseAt(p.date, Response.PD) if i == k else p for i, p in enumerate(points)]

    def best(series: list[ResponseAt]) -> Response:
        return best_overall_response(series, start_date=START, confirm=confirm, min_sd_days=min_sd_days).response

    before, after = best(points), best(worse)
    assert _not_better(after, before), (before, after)
