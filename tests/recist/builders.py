"""Small builders for RECIST test records: a lesion, a visit, a subject, a time-point series.

Dates are counted in days from a fixed first dose so that each test reads in trial days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trialdesk.recist import AssessmentRecord, NewLesions, Response, ResponseAt, SubjectRecord

START = date(2026, 1, 5)
BASELINE_DAY = -3


def day(n: int) -> date:
    return START + timedelta(days=n)


def target(lesion_id: str, size: float | None, *, site: str | None = None, node: bool = False) -> dict[str, Any]:
    return {
        "id": lesion_id,
        "site": site or ("lymph node" if node else f"organ {lesion_id}"),
        "kind": "target",
        "lymph_node": node,
        "diameter_mm": size,
    }


def non_target(lesion_id: str, status: str, *, site: str = "bone", node: bool = False) -> dict[str, Any]:
    return {"id": lesion_id, "site": site, "kind": "non_target", "lymph_node": node, "status": status}


def visit(
    n: int, lesions: list[dict[str, Any]], new: list[dict[str, Any]] | None = None, label: str = ""
) -> dict[str, Any]:
    return {"date": day(n).isoformat(), "visit": label or f"day {n}", "lesions": lesions, "new_lesions": new or []}


def subject(*visits: dict[str, Any], subject_id: str = "S1") -> SubjectRecord:
    return SubjectRecord.model_validate(
        {"id": subject_id, "start_date": START.isoformat(), "assessments": list(visits)}
    )


def assessment(data: dict[str, Any]) -> AssessmentRecord:
    return AssessmentRecord.model_validate(data)


def series(*points: tuple[int, Response]) -> list[ResponseAt]:
    return [ResponseAt(day(n), response) for n, response in points]


# A single 100 mm target lesion T1 and a non-target N1 at baseline; at the visit each part
# shows the category asked for, read off the definitions of RECIST 1.1 §4.3.1 and §4.3.3:
# 0 mm = CR (disappeared); 60 mm = −40 % = PR; 90 mm = −10 % = SD; 130 mm = +30 % and
# +30 mm = PD; null = not assessed = NE.
TARGET_SIZE = {Response.CR: 0, Response.PR: 60, Response.SD: 90, Response.PD: 130, Response.NE: None}
NON_TARGET_STATUS = {
    Response.CR: "absent",
    Response.NON_CR_NON_PD: "present",
    Response.NE: "not_assessed",
    Response.PD: "unequivocal_progression",
}
NEW = {
    NewLesions.NO: [],
    NewLesions.EQUIVOCAL: [{"site": "lung", "equivocal": True}],
    NewLesions.YES: [{"site": "lung", "equivocal": False}],
}


def visit_showing(
    target_response: Response, non_target_response: Response, new: NewLesions
) -> tuple[AssessmentRecord, AssessmentRecord]:
    """A baseline and a follow-up whose parts are the given categories (`NONE` = no such
    lesion at baseline)."""
    base: list[dict[str, Any]] = []
    follow: list[dict[str, Any]] = []
    if target_response != Response.NONE:
        base.append(target("T1", 100))
        follow.append(target("T1", TARGET_SIZE[target_response]))
    if non_target_response != Response.NONE:
        base.append(non_target("N1", "present"))
        follow.append(non_target("N1", NON_TARGET_STATUS[non_target_response]))
    return assessment(visit(BASELINE_DAY, base)), assessment(visit(56, follow, NEW[new]))
