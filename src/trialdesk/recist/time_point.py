"""Assess the time-point response at each follow-up (RECIST 1.1 §4.4.1, Tables 1 and 2)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from trialdesk.recist.baseline import check_baseline_selection
from trialdesk.recist.categories import NewLesions, Response
from trialdesk.recist.lesions import assess_new_lesions, assess_non_target_lesions, assess_target_lesions
from trialdesk.recist.record import AssessmentRecord, NewLesionRecord, SubjectRecord, check_subject_record
from trialdesk.recist.result import TimePointResponse
from trialdesk.recist.tables import overall_response_row

EQUIVOCAL_NOTE = (
    "equivocal new lesion: not PD at this visit; if a later scan confirms it, progression dates "
    "from this visit (RECIST 1.1 §4.3.5)"
)


def assess_time_point(
    baseline: AssessmentRecord,
    visit: AssessmentRecord,
    *,
    nadir_mm: Decimal | None = None,
    start_date: dt.date | None = None,
) -> TimePointResponse:
    """The response at one follow-up visit, from that visit alone (RECIST 1.1 §4.4.1).

    1. Target lesions: CR, PR, SD, PD or NE against the baseline sum and the nadir
       (`assess_target_lesions`, §4.3.1); `none` without target lesions.
    2. Non-target lesions: CR, non-CR/non-PD, PD or NE (`assess_non_target_lesions`,
       §4.3.3); `none` without non-target lesions.
    3. New lesions: yes, equivocal or no (`assess_new_lesions`, §4.3.5).
    4. The overall response is the row of Table 1 that matches — or of Table 2 when there
       were no target lesions at baseline (`overall_response_row`).

    Parameters
    ----------
    baseline : the subject's baseline assessment; it says which lesions are target and
        non-target and gives the baseline sum.
    visit : the follow-up assessment.
    nadir_mm : the smallest complete sum before this visit, baseline included; defaults to
        the baseline sum (right for the first follow-up).
    start_date : the first dose, to report the visit's day; optional.

    Example
    -------
    >>> base = AssessmentRecord.model_validate({"date": "2026-01-02", "visit": "baseline", "lesions": [
    ...     {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 40}]})
    >>> week8 = AssessmentRecord.model_validate({"date": "2026-03-02", "visit": "week 8", "lesions": [
    ...     {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 20}],
    ...     "new_lesions": [{"site": "bone"}]})
    >>> print(assess_time_point(base, week8).rule)
    RECIST 1.1 Table 1 row 9: any target, any non-target, new lesions yes → PD
    """
    targets = tuple(lesion for lesion in baseline.lesions if lesion.kind == "target")
    non_targets = tuple(lesion for lesion in baseline.lesions if lesion.kind == "non_target")
    baseline_sum = sum((t.diameter_mm or Decimal(0) for t in targets), Decimal(0)) if targets else None
    reference = nadir_mm if nadir_mm is not None else baseline_sum
    target = assess_target_lesions(targets, visit, nadir_mm=reference if reference is not None else Decimal(0))
    non_target, non_target_reason = assess_non_target_lesions(non_targets, visit)
    new, new_reason = assess_new_lesions(visit.new_lesions)
    row = overall_response_row(target.response, non_target, new)
    return TimePointResponse(
        visit=visit.visit,
        date=visit.date,
        days_from_start=(visit.date - start_date).days if start_date else None,
        assessed_sum_mm=target.assessed_sum_mm,
        sum_complete=target.complete,
        baseline_sum_mm=baseline_sum,
        nadir_mm=reference if targets else None,
        target=target.response,
        non_target=non_target,
        new_lesions=new,
        as_assessed=row.overall,
        overall=row.overall,
        rule=row.citation,
        reasons=(f"target: {target.reason}", f"non-target: {non_target_reason}", f"new lesions: {new_reason}"),
        notes=(EQUIVOCAL_NOTE,) if new == NewLesions.EQUIVOCAL else (),
    )


def time_point_responses(subject: SubjectRecord) -> tuple[TimePointResponse, ...]:
    """Every follow-up's time-point response for one subject, in date order.

    1. The record must be consistent (`check_subject_record`) and the baseline selection
       valid (`check_baseline_selection`, §3.1, §4.2); otherwise RecistError.
    2. Assess each follow-up with `assess_time_point`, against the nadir: the smallest
       complete sum so far, baseline included (§4.3.1). A visit whose sum is incomplete
       does not move the nadir.
    3. Hindsight for equivocal new lesions (§4.3.5): when a visit has an unequivocal new
       lesion that earlier visits showed as equivocal — the same `id` when both have one,
       else the same site, seen at each visit in between — progression dates from the
       first of those visits. That visit's `overall` becomes PD; `as_assessed` keeps the
       response it had on its own, and `new_lesion_confirmed_on` names the confirming scan.
    """
    check_subject_record(subject)
    check_baseline_selection(subject).raise_for_problems()
    responses: list[TimePointResponse] = []
    nadir: Decimal | None = None
    for visit in subject.follow_ups:
        response = assess_time_point(subject.baseline, visit, nadir_mm=nadir, start_date=subject.start_date)
        responses.append(response)
        if response.sum_mm is not None:
            reference = response.nadir_mm if response.nadir_mm is not None else response.sum_mm
            nadir = min(reference, response.sum_mm)
    return _backdate_confirmed_new_lesions(subject, responses)


def _same_new_lesion(first: NewLesionRecord, later: NewLesionRecord) -> bool:
    if first.id is not None and later.id is not None:
        return first.id == later.id
    return first.site.strip().lower() == later.site.strip().lower()


def _first_sighting(follow_ups: tuple[AssessmentRecord, ...], index: int) -> int | None:
    """The earliest visit of an unbroken run of equivocal sightings, just before visit
    `index`, of a lesion that visit `index` shows unequivocally."""
    first: int | None = None
    for lesion in (n for n in follow_ups[index].new_lesions if not n.equivocal):
        j = index - 1
        while j >= 0 and any(n.equivocal and _same_new_lesion(n, lesion) for n in follow_ups[j].new_lesions):
            j -= 1
        if j + 1 < index:
            first = j + 1 if first is None else min(first, j + 1)
    return first


def _backdate_confirmed_new_lesions(
    subject: SubjectRecord, responses: list[TimePointResponse]
) -> tuple[TimePointResponse, ...]:
    follow_ups = subject.follow_ups
    for index, visit in enumerate(follow_ups):
        first = _first_sighting(follow_ups, index)
        if first is None or responses[first].overall == Response.PD:
            continue
        earlier = responses[first]
        responses[first] = dataclasses.replace(
            earlier,
            overall=Response.PD,
            new_lesion_confirmed_on=visit.date,
            notes=(
                *(n for n in earlier.notes if n != EQUIVOCAL_NOTE),
                f"PD: the equivocal new lesion first seen here was confirmed on {visit.date.isoformat()} "
                f"({visit.visit}); progression dates from this visit (RECIST 1.1 §4.3.5)",
            ),
        )
    return tuple(responses)
