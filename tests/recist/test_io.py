"""The input formats: JSON, CSV and the JSON Schema; bad input names subject, visit and field.
Also the shipped examples, whose expected best responses follow from the paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialdesk.errors import RecistError
from trialdesk.recist import (
    Response,
    assess_subjects,
    load_recist_file,
    recist_from_csv,
    recist_from_data,
    recist_input_schema,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "recist"
HEADER = "subject_id,start_date,visit,date,lesion_id,site,kind,lymph_node,diameter_mm,status,equivocal\n"


def minimal() -> dict[str, object]:
    return json.loads((EXAMPLES / "assessments.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_json_and_csv_examples_are_the_same_data() -> None:
    assert load_recist_file(EXAMPLES / "assessments.json") == load_recist_file(EXAMPLES / "assessments.csv")


def test_examples_best_responses() -> None:
    """S01: PR at week 12 confirmed 6 weeks later (§4.6.1) → confirmed PR.
    S02: PR at week 6 then SD (Table 3 PR/SD) → SD confirmed; PR unconfirmed (§4.4.3).
    S03: SD from week 6 (day 42 ≥ 42) → SD.
    S04: an equivocal new liver lesion at week 6 confirmed at week 12: PD dated week 6 (§4.3.5)."""
    results = {
        r.subject_id: r for r in assess_subjects(load_recist_file(EXAMPLES / "assessments.json"), min_sd_days=42)
    }
    assert {k: (r.confirmed.response, r.unconfirmed.response) for k, r in results.items()} == {
        "S01": (Response.PR, Response.PR),
        "S02": (Response.SD, Response.PR),
        "S03": (Response.SD, Response.SD),
        "S04": (Response.PD, Response.PD),
    }
    s04 = results["S04"].endpoints
    assert (s04.progression_date.isoformat() if s04.progression_date else None, s04.progression_backdated) == (
        "2026-03-05",
        True,
    )
    assert results["S01"].endpoints.first_confirmed_response_date == results["S01"].time_points[1].date
    json.dumps([r.to_dict() for r in results.values()])


def test_bad_diameter_names_subject_visit_and_field() -> None:
    data = minimal()
    data["subjects"][1]["assessments"][2]["lesions"][1]["diameter_mm"] = "abc"  # type: ignore[index]
    with pytest.raises(RecistError) as error:
        recist_from_data(data, source="x.json")
    message = str(error.value)
    for part in ("x.json", "subject S02", "visit week 12 (2026-04-06)", "lesions[1] (T2).diameter_mm"):
        assert part in message


def test_unknown_status_is_named() -> None:
    data = minimal()
    data["subjects"][0]["assessments"][1]["lesions"][3]["status"] = "smaller"  # type: ignore[index]
    with pytest.raises(RecistError, match=r"subject S01, visit week 6 .*status"):
        recist_from_data(data)


def test_lesion_not_at_baseline() -> None:
    data = minimal()
    data["subjects"][2]["assessments"][1]["lesions"][0]["id"] = "T9"  # type: ignore[index]
    with pytest.raises(
        RecistError, match=r"subject S03, visit week 6 \(2026-03-18\), lesion T9.id: not recorded at baseline"
    ):
        recist_from_data(data)


def test_kind_cannot_change() -> None:
    """§4.2: lesions are chosen as target or non-target at baseline and followed as such."""
    data = minimal()
    data["subjects"][3]["assessments"][1]["lesions"][0]["kind"] = "non_target"  # type: ignore[index]
    data["subjects"][3]["assessments"][1]["lesions"][0]["status"] = "present"  # type: ignore[index]
    with pytest.raises(RecistError, match=r"lesion T1\.kind"):
        recist_from_data(data)


def test_target_lesion_takes_no_status() -> None:
    data = minimal()
    data["subjects"][0]["assessments"][0]["lesions"][0]["status"] = "present"  # type: ignore[index]
    with pytest.raises(RecistError, match="subject S01, visit baseline"):
        recist_from_data(data)


def test_csv_error_has_line_and_place() -> None:
    text = (
        HEADER
        + "S1,2026-01-05,baseline,2026-01-02,T1,liver,target,false,30,,\nS1,2026-01-05,w6,2026-02-16,T1,liver,target,false,-3,,\n"
    )
    with pytest.raises(
        RecistError, match=r"line 3: subject S1, visit w6 \(2026-02-16\), lesions\[0\] \(T1\).diameter_mm"
    ):
        recist_from_csv(text, source="x.csv")


def test_csv_bad_flag_and_header() -> None:
    with pytest.raises(RecistError, match="line 2: lymph_node 'maybe'"):
        recist_from_csv(HEADER + "S1,2026-01-05,baseline,2026-01-02,T1,liver,target,maybe,30,,\n")
    with pytest.raises(RecistError, match="missing equivocal"):
        recist_from_csv(HEADER.replace(",equivocal", "") + "S1,2026-01-05,b,2026-01-02,T1,liver,target,false,30,\n")


def test_csv_start_date_must_agree() -> None:
    text = (
        HEADER
        + "S1,2026-01-05,b,2026-01-02,T1,liver,target,false,30,,\nS1,2026-01-06,w6,2026-02-16,T1,liver,target,false,20,,\n"
    )
    with pytest.raises(RecistError, match="line 3: subject S1, start_date"):
        recist_from_csv(text)


def test_schema_describes_the_input() -> None:
    schema = recist_input_schema()
    assert "subjects" in schema["properties"]
    assert "LesionRecord" in schema["$defs"]


def test_missing_file() -> None:
    with pytest.raises(RecistError, match="cannot read"):
        load_recist_file(EXAMPLES / "nope.json")
