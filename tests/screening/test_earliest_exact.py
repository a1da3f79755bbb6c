"""The earliest eligible date is exact, for every reference case of both trials: on it no
criterion fails (with the data held at the planned first dose), and on the day before some
criterion still fails. Regression: a window of calendar months changes length with the
date it ends on (6 months before 2027-03-02 is 181 days, before 2026-11-20 184 days), and
the date a washout lifted was once computed with today's length, days too late."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import jsonpatch
import pytest

from tests.screening.test_reference_cases import CASE_FILES, _load
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener


def _cases(base_record: dict[str, Any]) -> list[tuple[str, dict[str, Any], date, date]]:
    out = []
    for path in CASE_FILES:
        spec = _load(path)
        for case in spec["cases"]:
            record = jsonpatch.apply_patch(copy.deepcopy(base_record), case.get("patch", []))
            record["id"] = case["id"]
            as_of = date.fromisoformat(str(case.get("as_of", spec["as_of"])))
            first = date.fromisoformat(str(case["first_dose"])) if "first_dose" in case else as_of
            out.append((spec["trial"], record, as_of, first))
    return out


def test_earliest_eligible_date_is_the_first_day_nothing_fails(
    base_record: dict[str, Any], protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    checked = 0
    for trial, record, as_of, first in _cases(base_record):
        view = build_view(patient_from_data(record), knowledge, as_of)
        screener = Screener(protocols[trial], knowledge)
        result = screener.screen(view, as_of, first)
        earliest = result.earliest_eligible_date
        if earliest is None or earliest == first:
            continue
        checked += 1
        on_day = [r.id for r in screener._at(view, as_of, earliest, first) if r.verdict == "fail"]
        before = [r.id for r in screener._at(view, as_of, earliest - timedelta(days=1), first) if r.verdict == "fail"]
        assert not on_day, f"{record['id']}: {on_day} fail on {earliest}"
        assert before, f"{record['id']}: nothing fails on {earliest - timedelta(days=1)}, before {earliest}"
    # the reference cases include washouts and event windows of days, weeks and months
    assert checked >= 20, json.dumps(checked)


@pytest.mark.parametrize("case_id", ["dvt-with-ivc-filter", "gi-bleeding-2-5-months-before"])
def test_calendar_month_windows_lift_on_the_exact_day(
    case_id: str, base_record: dict[str, Any], protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    trial, record, as_of, first = next(c for c in _cases(base_record) if c[1]["id"] == case_id)
    view = build_view(patient_from_data(record), knowledge, as_of)
    screener = Screener(protocols[trial], knowledge)
    earliest = screener.screen(view, as_of, first).earliest_eligible_date
    assert earliest is not None
    assert not [r for r in screener._at(view, as_of, earliest, first) if r.verdict == "fail"]
    assert [r for r in screener._at(view, as_of, earliest - timedelta(days=1), first) if r.verdict == "fail"]
