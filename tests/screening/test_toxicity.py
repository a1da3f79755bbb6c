"""An adverse event given as the lab value that shows it is graded by CTCAE v5.0 and read by
NCT07520357's "Unresolved adverse reactions from prior anti-tumour therapy (> CTCAE Grade 1)"."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from trialdesk.errors import RecordError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.screening.screen import Screener
from trialdesk.screening.toxicity import ctcae_lab_grader

AS_OF = date(2026, 11, 20)


def _with_alt_event(base: dict[str, Any], alt: float, with_range: bool = True) -> dict[str, Any]:
    data = copy.deepcopy(base)
    lab: dict[str, Any] = {"code": "alt", "value": alt, "unit": "U/L", "date": "2026-11-16"}
    if with_range:
        lab["reference_range"] = {"low": 0, "high": 40}
    data["adverse_events"]["items"] = [{"term": "Alanine aminotransferase increased", "lab": lab, "resolved": False}]
    return data


@pytest.mark.parametrize(
    ("alt", "grade", "verdict"),
    [
        # CTCAE v5.0 "Alanine aminotransferase increased" (normal baseline): grade 1 >ULN-3.0 x ULN,
        # grade 2 >3.0-5.0 x ULN. ULN 40 U/L: 120 U/L is exactly 3.0 x ULN (grade 1), 150 is 3.75 x (grade 2).
        (120, 1, "pass"),
        (150, 2, "fail"),
    ],
)
def test_lab_adverse_event_is_graded_and_read(
    alt: float,
    grade: int,
    verdict: str,
    base_record: dict[str, Any],
    knowledge: Knowledge,
    protocols: dict[str, LoadedProtocol],
) -> None:
    view = build_view(
        patient_from_data(_with_alt_event(base_record, alt)), knowledge, AS_OF, ctcae_lab_grader(knowledge)
    )
    event = view.patient.adverse_events.items[0]
    assert event.grade == grade
    assert event.graded_by is not None
    assert "CTCAE v5.0 Alanine aminotransferase increased" in event.graded_by
    result = Screener(protocols["NCT07520357"], knowledge).screen(view, AS_OF)
    assert next(c.verdict for c in result.criteria if c.id == "unresolved_toxicity") == verdict


def test_without_a_grader_the_grade_stays_unknown(
    base_record: dict[str, Any], knowledge: Knowledge, protocols: dict[str, LoadedProtocol]
) -> None:
    view = build_view(patient_from_data(_with_alt_event(base_record, 150)), knowledge, AS_OF)
    result = Screener(protocols["NCT07520357"], knowledge).screen(view, AS_OF)
    assert next(c.verdict for c in result.criteria if c.id == "unresolved_toxicity") == "unknown"


def test_a_lab_event_without_its_range_names_the_field(base_record: dict[str, Any], knowledge: Knowledge) -> None:
    with pytest.raises(RecordError) as info:
        build_view(
            patient_from_data(_with_alt_event(base_record, 150, with_range=False)),
            knowledge,
            AS_OF,
            ctcae_lab_grader(knowledge),
        )
    assert info.value.path == "$.adverse_events.items[0].lab"
