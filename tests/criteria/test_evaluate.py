"""The evaluator, one construct at a time, on small hand-written records."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.criteria.evaluate import Context, Settings, evaluate
from trialdesk.criteria.outcome import Outcome, all_of, any_of, negate
from trialdesk.criteria.parse import parse_rule
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view

AS_OF = date(2026, 11, 20)


def run(rule: str, record: dict[str, Any], knowledge: Knowledge, first_dose: date = AS_OF) -> Outcome:
    view = build_view(patient_from_data({"id": "t", **record}), knowledge, AS_OF)
    return evaluate(parse_rule(rule), Context(view, knowledge, AS_OF, first_dose, Settings()))


# Kleene's strong three-valued logic (Kleene 1952, §64): the tables written out.
T, F, U = True, False, None
AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}


@given(st.sampled_from([T, F, U]), st.sampled_from([T, F, U]))
def test_kleene_tables(a: bool | None, b: bool | None) -> None:
    x, y = Outcome(a), Outcome(b)
    assert all_of([x, y]).truth == AND[(a, b)]
    assert any_of([x, y]).truth == OR[(a, b)]
    assert negate(x).truth == (None if a is None else not a)


LAB = {"code": "alt", "value": 112, "unit": "U/L", "date": "2026-11-10", "reference_range": {"low": 0, "high": 40}}


def test_times_uln_uses_the_labs_own_range(knowledge: Knowledge) -> None:
    # 112 / 40 = 2.8 × ULN: above 2.5, below 3 (the two trials' limits)
    out = run("latest(alt) <= 2.5 x ULN", {"observations": [LAB]}, knowledge)
    assert out.truth is False
    assert "= 2.8 × ULN 40 U/L" in out.evidence[0].text
    assert run("latest(alt) <= 3 x ULN", {"observations": [LAB]}, knowledge).truth is True


def test_times_uln_without_a_range_is_unknown(knowledge: Knowledge) -> None:
    lab = {k: v for k, v in LAB.items() if k != "reference_range"}
    out = run("latest(alt) <= 2.5 x ULN", {"observations": [lab]}, knowledge)
    assert out.truth is None
    assert out.needs[0].key.startswith("range:alt")


def test_a_value_older_than_the_window_is_unknown_with_the_window_it_needs(knowledge: Knowledge) -> None:
    out = run("latest(alt, within 7 days before first_dose) <= 3 x ULN", {"observations": [LAB]}, knowledge)
    assert out.truth is None
    assert (out.needs[0].earliest, out.needs[0].latest) == (date(2026, 11, 13), date(2026, 11, 20))


def test_no_stated_window_applies_the_default_and_says_so(knowledge: Knowledge) -> None:
    out = run("latest(alt) <= 3 x ULN", {"observations": [LAB]}, knowledge)
    assert out.truth is True
    assert "default window of 14 days" in out.assumptions[0]
    # the value of 2026-11-10 serves a first dose up to 2026-11-24, changes on the 25th
    assert out.changes_on == date(2026, 11, 25)


@pytest.mark.parametrize(
    ("last_dose", "truth"),
    [("2026-10-30", True), ("2026-10-29", False)],  # 21 days before 2026-11-20 is 2026-10-30
)
def test_within_includes_both_ends(last_dose: str, truth: bool, knowledge: Knowledge) -> None:
    record = {
        "therapies": {
            "complete": True,
            "reviewed_on": "2026-11-19",
            "items": [{"agents": ["cisplatin"], "last_dose": last_dose}],
        }
    }
    assert run("any(therapy, last_dose within 21 days before first_dose)", record, knowledge).truth is truth


def test_calendar_months(knowledge: Knowledge) -> None:
    # 3 calendar months before 2026-11-20 is 2026-08-20
    history = {
        "complete": True,
        "reviewed_on": "2026-11-19",
        "items": [{"category": "bleeding", "onset": "2026-08-20"}],
    }
    assert run("any(condition, onset within 3 months before first_dose)", {"history": history}, knowledge).truth is True
    history["items"][0]["onset"] = "2026-08-19"
    assert (
        run("any(condition, onset within 3 months before first_dose)", {"history": history}, knowledge).truth is False
    )


def test_hours_are_counted_conservatively_on_dates(knowledge: Knowledge) -> None:
    # a test dated 3 days before may be more than 72 hours before dosing: not accepted
    test = {"code": "hcg_serum", "result": "negative", "date": "2026-11-17"}
    rule = "latest(hcg_serum, within 72 hours before first_dose) = negative"
    assert run(rule, {"observations": [test]}, knowledge).truth is None
    test["date"] = "2026-11-18"
    assert run(rule, {"observations": [test]}, knowledge).truth is True


def test_incomplete_section_is_unknown_complete_is_false(knowledge: Knowledge) -> None:
    rule = "any(condition, category = ild)"
    assert run(rule, {"history": {"items": []}}, knowledge).truth is None
    assert run(rule, {"history": {"complete": True, "reviewed_on": "2026-11-19"}}, knowledge).truth is False


def test_a_documented_absence_settles_only_what_it_names(knowledge: Knowledge) -> None:
    history = {"items": [{"category": "ild", "present": False}]}
    assert run("any(condition, category = ild)", {"history": history}, knowledge).truth is False
    assert run("any(condition, category = hiv)", {"history": history}, knowledge).truth is None


def test_a_stale_review_no_longer_counts(knowledge: Knowledge) -> None:
    history = {"complete": True, "reviewed_on": "2026-10-01"}  # 50 days before the first dose
    out = run("any(condition, category = ild)", {"history": history}, knowledge)
    assert out.truth is None
    assert "last reviewed 2026-10-01" in out.needs[0].what


def test_an_unknown_drug_is_reported_not_guessed(knowledge: Knowledge) -> None:
    record = {"therapies": {"complete": True, "reviewed_on": "2026-11-19", "items": [{"agents": ["XYZ-9999"]}]}}
    out = run("any(therapy, agent.payload = topoisomerase_1_inhibitor)", record, knowledge)
    assert out.truth is None
    assert out.needs[0].key == "drug:XYZ-9999"


def test_agent_attributes_are_existential_over_a_line(knowledge: Knowledge) -> None:
    record = {
        "therapies": {
            "complete": True,
            "reviewed_on": "2026-11-19",
            "items": [{"agents": ["etoposide", "carboplatin"]}],
        }
    }
    assert run("any(therapy, agent.class = platinum)", record, knowledge).truth is True
    assert run("any(therapy, agent.contains = topoisomerase_1_inhibitor)", record, knowledge).truth is False


def test_half_life_washout_uses_the_knowledge_base(knowledge: Knowledge) -> None:
    # Enhertu label: half-life about 5.7-5.8 days, so 5 half-lives exceed 21 days and the
    # 3-week cap of "whichever is shorter" decides: a last dose 21 days before is within.
    record = {
        "therapies": {
            "complete": True,
            "reviewed_on": "2026-11-19",
            "items": [{"agents": ["DS-8201"], "last_dose": "2026-10-30"}],
        }
    }
    out = run("any(therapy, last_dose within shorter_of(3 weeks, 5 half_lives) before first_dose)", record, knowledge)
    assert out.truth is True
    assert any("half-life" in e.text for e in out.evidence)
    later = run(
        "any(therapy, last_dose within shorter_of(3 weeks, 5 half_lives) before first_dose)",
        record,
        knowledge,
        date(2026, 11, 21),
    )
    assert later.truth is False


def test_age_changes_on_the_birthday(knowledge: Knowledge) -> None:
    out = run("age_at(first_dose) between 18 years and 75 years", {"birth_date": "1950-11-21"}, knowledge)
    assert out.truth is True
    assert out.changes_on == date(2026, 11, 21)


def test_cockcroft_gault_shows_its_inputs(knowledge: Knowledge) -> None:
    # Cockcroft & Gault 1976: (140 - 66) × 68 / (72 × 168/88.4 mg/dL) = 5032 / 136.833 = 36.77 mL/min
    record = {
        "birth_date": "1960-05-10",
        "sex": "male",
        "observations": [
            {"code": "creatinine", "value": 168, "unit": "umol/L", "date": "2026-11-16"},
            {"code": "body_weight", "value": 68, "unit": "kg", "date": "2026-11-16"},
        ],
    }
    out = run("creatinine_clearance() >= 60 mL/min", record, knowledge)
    assert out.truth is False
    assert "creatinine clearance 36.77 mL/min" in out.evidence[0].text


def test_attested_duration_compares_in_days(knowledge: Knowledge) -> None:
    att = {"topic": "life_expectancy", "quantity": 3, "unit": "months", "by": "Dr B", "on": "2026-11-18"}
    assert run("attestation(life_expectancy) >= 12 weeks", {"attestations": [att]}, knowledge).truth is True
    att["unit"] = "weeks"
    att["quantity"] = 12
    assert run("attestation(life_expectancy) >= 3 months", {"attestations": [att]}, knowledge).truth is False
