"""The three parts of a time-point response: target lesions (RECIST 1.1 §4.3.1), non-target
lesions (§4.3.3) and new lesions (§4.3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trialdesk.recist.categories import NewLesions, Response
from trialdesk.recist.record import AssessmentRecord, LesionRecord, NewLesionRecord

NORMAL_NODE_MM = Decimal(10)
PD_ABSOLUTE_MM = Decimal(5)


@dataclass(frozen=True, slots=True)
class TargetAssessment:
    """The target-lesion response at a visit and the sum it was read from."""

    response: Response
    assessed_sum_mm: Decimal | None
    complete: bool
    reason: str


def _is_progression(total: Decimal, nadir: Decimal) -> bool:
    # ≥ 20 % above the nadir, in exact arithmetic: 10·sum ≥ 12·nadir
    return 10 * total >= 12 * nadir and total - nadir >= PD_ABSOLUTE_MM


def _is_partial_response(total: Decimal, baseline: Decimal) -> bool:
    # ≥ 30 % below the baseline, in exact arithmetic: 10·sum ≤ 7·baseline
    return 10 * total <= 7 * baseline


def _is_complete_response(lesions: list[LesionRecord]) -> bool:
    return all(
        (lesion.diameter_mm is not None)
        and (lesion.diameter_mm < NORMAL_NODE_MM if lesion.lymph_node else lesion.diameter_mm == 0)
        for lesion in lesions
    )


def assess_target_lesions(
    baseline_targets: tuple[LesionRecord, ...], visit: AssessmentRecord, *, nadir_mm: Decimal
) -> TargetAssessment:
    """The target-lesion response at one follow-up visit (RECIST 1.1 §4.3.1, §4.3.2, §4.4.2).

    1. No target lesion at baseline: `Response.NONE` (the visit is read from Table 2).
    2. Sum the diameters of the target lesions assessed at the visit: longest diameter,
       short axis for a lymph node (§4.3.2). A target lesion left out of the visit, or
       with `diameter_mm` null, is not assessed.
    3. CR when every target lesion is assessed, every non-nodal one has disappeared (0 mm)
       and every nodal one has a short axis < 10 mm (§4.3.1). The sum then need not be 0
       (§4.3.2). CR is decided before PD: nodes that all stay under 10 mm have not
       reappeared, however much they grew (RECIST working group FAQ "Abnormal lymph node").
    4. PD when the sum is ≥ 20 % above the nadir — the smallest sum before this visit,
       baseline included — and ≥ 5 mm above it in absolute terms (§4.3.1). This is decided
       even if some lesions were not assessed, since they can only add to the sum (§4.4.2).
    5. NE when any target lesion was not assessed and step 4 did not decide (§4.4.2).
    6. PR when the sum is ≥ 30 % below the baseline sum (§4.3.1).
    7. SD otherwise: neither enough shrinkage from baseline for PR nor enough growth from
       the nadir for PD (§4.3.1).

    Parameters
    ----------
    baseline_targets : the target lesions as recorded at baseline (their ids, sites, node flags
        and baseline diameters).
    visit : the follow-up assessment.
    nadir_mm : the reference for PD: the smallest complete sum before this visit, baseline included.

    Example
    -------
    >>> from trialdesk.recist.record import AssessmentRecord, LesionRecord
    >>> base = (LesionRecord(id="T1", site="liver", kind="target", diameter_mm=Decimal(50)),)
    >>> visit = AssessmentRecord.model_validate({"date": "2026-03-01", "visit": "W8", "lesions": [
    ...     {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 35}]})
    >>> assess_target_lesions(base, visit, nadir_mm=Decimal(50)).response
    <Response.PR: 'PR'>
    """
    if not baseline_targets:
        return TargetAssessment(Response.NONE, None, True, "no target lesions at baseline")
    baseline_sum = sum((t.diameter_mm or Decimal(0) for t in baseline_targets), Decimal(0))
    read = [visit.lesion(t.id) for t in baseline_targets]
    assessed = [lesion for lesion in read if lesion is not None and lesion.diameter_mm is not None]
    missing = [
        t.id for t, lesion in zip(baseline_targets, read, strict=True) if lesion is None or lesion.diameter_mm is None
    ]
    total = sum((lesion.diameter_mm for lesion in assessed if lesion.diameter_mm is not None), Decimal(0))
    complete = not missing
    if complete and _is_complete_response(assessed):
        return TargetAssessment(
            Response.CR, total, True, "every non-nodal target lesion gone and every target node < 10 mm (§4.3.1)"
        )
    if _is_progression(total, nadir_mm):
        bound = "" if complete else f" even without {', '.join(missing)}"
        return TargetAssessment(
            Response.PD,
            total,
            complete,
            f"sum {total} mm is ≥ 20 % and ≥ 5 mm above the nadir {nadir_mm} mm{bound} (§4.3.1, §4.4.2)",
        )
    if not complete:
        return TargetAssessment(
            Response.NE, total, False, f"target lesion(s) {', '.join(missing)} not assessed (§4.4.2)"
        )
    if _is_partial_response(total, baseline_sum):
        return TargetAssessment(
            Response.PR, total, True, f"sum {total} mm is ≥ 30 % below the baseline {baseline_sum} mm (§4.3.1)"
        )
    return TargetAssessment(
        Response.SD,
        total,
        True,
        f"sum {total} mm: not ≥ 30 % below baseline {baseline_sum} mm, not PD against nadir {nadir_mm} mm (§4.3.1)",
    )


def assess_non_target_lesions(
    baseline_non_targets: tuple[LesionRecord, ...], visit: AssessmentRecord
) -> tuple[Response, str]:
    """The non-target response at one follow-up visit (RECIST 1.1 §4.3.3, §4.3.4).

    1. No non-target lesion at baseline: `Response.NONE`.
    2. PD when any non-target lesion shows unequivocal progression (§4.3.3; §4.3.4 says
       what unequivocal means: a worsening that by itself merits stopping therapy, judged
       by the reader, recorded here as status `unequivocal_progression`).
    3. NE when any non-target lesion is not assessed ("not all evaluated", Tables 1 and 2).
    4. CR when every non-target lesion is absent; a lymph node is absent when its short
       axis is < 10 mm (§4.3.3).
    5. Non-CR/non-PD otherwise: at least one persists (§4.3.3).

    The paper's non-target CR also asks that tumour markers be normal (§4.3.3); markers are
    not part of this input, so a reader who knows they are raised records a lesion
    `present` (non-CR/non-PD).
    """
    if not baseline_non_targets:
        return Response.NONE, "no non-target lesions at baseline"
    statuses = {}
    for lesion in baseline_non_targets:
        read = visit.lesion(lesion.id)
        statuses[lesion.id] = "not_assessed" if read is None or read.status is None else read.status
    progressed = [i for i, s in statuses.items() if s == "unequivocal_progression"]
    if progressed:
        return Response.PD, f"unequivocal progression of {', '.join(progressed)} (§4.3.3)"
    unassessed = [i for i, s in statuses.items() if s == "not_assessed"]
    if unassessed:
        return Response.NE, f"non-target lesion(s) {', '.join(unassessed)} not assessed"
    present = [i for i, s in statuses.items() if s == "present"]
    if not present:
        return Response.CR, "every non-target lesion absent, nodes < 10 mm (§4.3.3)"
    return Response.NON_CR_NON_PD, f"non-target lesion(s) {', '.join(present)} persist (§4.3.3)"


def assess_new_lesions(new_lesions: tuple[NewLesionRecord, ...]) -> tuple[NewLesions, str]:
    """New lesions at one follow-up visit (RECIST 1.1 §4.3.5).

    1. YES when any new lesion is unequivocal: that alone is progression.
    2. EQUIVOCAL when there are only equivocal ones: not PD at this visit. If a later scan
       confirms one, progression dates from the scan that first showed it (§4.3.5); see
       `time_point_responses`, which applies that hindsight.
    3. NO otherwise.
    """
    unequivocal = [n.site for n in new_lesions if not n.equivocal]
    if unequivocal:
        return NewLesions.YES, f"unequivocal new lesion(s): {', '.join(unequivocal)} (§4.3.5)"
    if new_lesions:
        sites = ", ".join(n.site for n in new_lesions)
        return NewLesions.EQUIVOCAL, f"equivocal new lesion(s): {sites} — not PD at this visit (§4.3.5)"
    return NewLesions.NO, "no new lesions"
