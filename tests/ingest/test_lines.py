"""Therapy lines grouped by date where the bundle does not state them (lines.py steps 1-6)."""

from __future__ import annotations

from datetime import date, timedelta

from trialdesk.ingest.fhir.lines import Exposure, LineRule, group_lines

D0 = date(2025, 3, 1)


def exposure(agent: str, start: int, end: int | None, ongoing: bool = False) -> Exposure:
    return Exposure(
        agent, D0 + timedelta(days=start), D0 + timedelta(days=end) if end is not None else None, ongoing, agent
    )


def test_overlapping_regimen_agents_form_one_line() -> None:
    # step 3: carboplatin day 0, etoposide day 1, atezolizumab day 21: all within 28 days
    lines = group_lines(
        [exposure("carboplatin", 0, 84), exposure("etoposide", 1, 86), exposure("atezolizumab", 21, 84)]
    )
    assert [line.agents for line in lines] == [("carboplatin", "etoposide", "atezolizumab")]
    assert (lines[0].first_dose, lines[0].last_dose) == (D0, D0 + timedelta(days=86))


def test_new_agent_after_the_window_starts_a_new_line_even_overlapping() -> None:
    # step 5: temozolomide added on day 60 while capecitabine continues
    lines = group_lines([exposure("capecitabine", 0, 120), exposure("temozolomide", 60, 120)])
    assert [line.agents for line in lines] == [("capecitabine",), ("temozolomide",)]
    assert "new agent" in lines[1].reason


def test_gap_starts_a_new_line_even_with_the_same_agents() -> None:
    # step 5: re-treatment 120 days after the last dose (gap > 90)
    lines = group_lines([exposure("cisplatin", 0, 90), exposure("cisplatin", 210, 270)])
    assert len(lines) == 2
    assert "gap > 90 days" in lines[1].reason


def test_maintenance_after_induction_stays_one_line() -> None:
    # step 4: atezolizumab continues after carboplatin-etoposide stop (IMpower133-style maintenance)
    lines = group_lines(
        [
            exposure("carboplatin", 0, 63),
            exposure("etoposide", 0, 65),
            exposure("atezolizumab", 0, 63),
            exposure("atezolizumab", 84, 300, ongoing=True),
        ]
    )
    assert len(lines) == 1
    assert lines[0].ongoing
    assert lines[0].last_dose == D0 + timedelta(days=300)


def test_undated_exposure_is_a_line_of_its_own() -> None:
    lines = group_lines([Exposure("etoposide", None, None, False, "MedicationStatement/x")])
    assert lines[0].first_dose is None
    assert "no date" in lines[0].reason


def test_windows_are_parameters() -> None:
    pair = [exposure("capecitabine", 0, 120), exposure("temozolomide", 40, 120)]
    assert len(group_lines(pair, LineRule(regimen_window_days=42))) == 1


def test_a_start_alone_does_not_give_the_last_dose() -> None:
    # a completed exposure with a start and no end: when dosing stopped is not stated, so
    # the line's last dose is unknown, even beside an exposure that states its end
    (alone,) = group_lines([exposure("cisplatin", 0, None)])
    assert alone.last_dose is None
    (mixed,) = group_lines([exposure("cisplatin", 0, None), exposure("etoposide", 1, 63)])
    assert mixed.last_dose is None
    (stated,) = group_lines([exposure("cisplatin", 0, 60), exposure("etoposide", 1, 63)])
    assert stated.last_dose == D0 + timedelta(days=63)
