"""Results print for people and serialise for machines."""

from __future__ import annotations

import json

from rich.console import Console

from tests.recist.builders import BASELINE_DAY, subject, target, visit
from trialdesk.recist import SubjectResponse, assess_subject, render_table


def _cr_then_pr() -> SubjectResponse:
    return assess_subject(
        subject(
            visit(BASELINE_DAY, [target("T1", 30)]),
            visit(42, [target("T1", 0)]),
            visit(84, [target("T1", 3)]),
            visit(126, [target("T1", None)]),
        ),
        min_sd_days=42,
    )


def test_render_table_shows_visits_and_both_best_responses() -> None:
    console = Console(record=True, width=160)
    console.print(render_table([_cr_then_pr()]))
    text = console.export_text()
    for part in ("S1", "%Δ nadir", "BOR confirmed", "BOR unconfirmed", "open question", "dates:"):
        assert part in text


def test_subject_result_prints_and_serialises() -> None:
    """The CR/PR case of Table 3 carries its open question in every form."""
    result = _cr_then_pr()
    data = result.to_dict()
    json.dumps(data)
    assert data["best_overall_response_confirmed"]["open_question"]
    assert data["best_overall_response_confirmed"]["alternative"] == "PR"
    assert data["time_points"][2]["sum_mm"] is None
    assert "open question" in str(result)
