"""Check a subject's baseline selection of target and non-target lesions (RECIST 1.1 §3.1, §4.2)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from trialdesk.recist.record import LesionRecord, SubjectRecord
from trialdesk.recist.result import BaselineProblem, BaselineSelection

MEASURABLE_MM = Decimal(10)
MEASURABLE_NODE_MM = Decimal(15)
PATHOLOGICAL_NODE_MM = Decimal(10)
MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
MAX_BASELINE_DAYS_BEFORE_START = 28
LYMPH_NODES = "lymph nodes"


def organ_of(lesion: LesionRecord) -> str:
    """The organ a lesion counts against for the two-per-organ limit: its site, except that
    every lymph node counts against one organ, "lymph nodes" (RECIST working group FAQ
    "Paired organs": lungs, kidneys, ovaries and lymph nodes are each one organ)."""
    return LYMPH_NODES if lesion.lymph_node else lesion.site.strip().lower()


def check_baseline_selection(subject: SubjectRecord) -> BaselineSelection:
    """Check the baseline's target lesions against RECIST 1.1 and sum their diameters.

    The baseline is the subject's earliest assessment.

    1. Every target lesion is measured at baseline (§4.2: targets are recorded and measured).
    2. Every target lesion is measurable (§3.1): a non-nodal lesion has a longest diameter
       ≥ 10 mm; a lymph node has a short axis ≥ 15 mm. A node of 10 to < 15 mm is
       pathological but not measurable, so it is followed as a non-target lesion; a node
       < 10 mm is normal and is not recorded at all (§4.2).
    3. There are at most 5 target lesions in total (§4.2).
    4. There are at most 2 target lesions per organ (§4.2); all lymph nodes together count
       as one organ (see `organ_of`).
    5. There is some disease to follow: at least one target or non-target lesion.
    6. The baseline is not after the first dose (§3.2: baseline evaluations are made before
       treatment, as close to its start as possible).

    Warnings, which do not invalidate the selection: a baseline more than 4 weeks before the
    first dose (§3.2); a non-target node < 10 mm short axis, which is normal (§4.2); no
    target lesion, so that response is read from Table 2 (non-target disease only).

    Parameters
    ----------
    subject : SubjectRecord
        One subject; its earliest assessment is the baseline.

    Returns
    -------
    BaselineSelection
        The targets, non-targets, the baseline sum (nodes by short axis) and every problem;
        `raise_for_problems()` turns the problems into a RecistError.

    Example
    -------
    >>> from trialdesk.recist.record import SubjectRecord
    >>> subject = SubjectRecord.model_validate({"id": "S1", "start_date": "2026-01-05", "assessments": [
    ...     {"date": "2026-01-02", "visit": "baseline", "lesions": [
    ...         {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 30},
    ...         {"id": "T2", "site": "hilum", "kind": "target", "lymph_node": True, "diameter_mm": 12}]}]})
    >>> print(check_baseline_selection(subject).problems[0])
    lesion T2: a lymph node with short axis 12 mm is not measurable (≥ 15 mm needed); a node of 10 to < 15 mm is a non-target lesion (RECIST 1.1 §3.1, §4.2)
    """
    baseline = subject.baseline
    targets = [lesion for lesion in baseline.lesions if lesion.kind == "target"]
    non_targets = [lesion for lesion in baseline.lesions if lesion.kind == "non_target"]
    problems = [p for lesion in targets for p in _measurability_problems(lesion)]
    if len(targets) > MAX_TARGETS:
        problems.append(
            BaselineProblem(
                "§4.2",
                f"{len(targets)} target lesions; at most {MAX_TARGETS} are allowed — follow the others as non-target",
                tuple(t.id for t in targets),
            )
        )
    per_organ = Counter(organ_of(t) for t in targets)
    for organ, count in per_organ.items():
        if count > MAX_TARGETS_PER_ORGAN:
            ids = tuple(t.id for t in targets if organ_of(t) == organ)
            problems.append(
                BaselineProblem(
                    "§4.2",
                    f"{count} target lesions in {organ} ({', '.join(ids)}); at most {MAX_TARGETS_PER_ORGAN} per organ",
                    ids,
                )
            )
    if not targets and not non_targets:
        problems.append(BaselineProblem("§4.2", "no lesion at baseline: there is no disease to follow"))
    if baseline.date > subject.start_date:
        problems.append(
            BaselineProblem(
                "§3.2",
                f"the baseline ({baseline.date.isoformat()}, the earliest assessment) is after the first dose "
                f"({subject.start_date.isoformat()})",
            )
        )
    measured = [t.diameter_mm for t in targets if t.diameter_mm is not None]
    return BaselineSelection(
        subject_id=subject.id,
        date=baseline.date,
        targets=tuple(t.id for t in targets),
        non_targets=tuple(n.id for n in non_targets),
        sum_mm=sum(measured, Decimal(0)) if targets else None,
        targets_per_organ=tuple(sorted(per_organ.items())),
        problems=tuple(problems),
        warnings=tuple(_warnings(subject, targets, non_targets)),
    )


def _measurability_problems(lesion: LesionRecord) -> list[BaselineProblem]:
    size = lesion.diameter_mm
    if size is None:
        return [
            BaselineProblem("§4.2", f"lesion {lesion.id}: a target lesion must be measured at baseline", (lesion.id,))
        ]
    if lesion.lymph_node and size < MEASURABLE_NODE_MM:
        what = (
            "a node of 10 to < 15 mm is a non-target lesion"
            if size >= PATHOLOGICAL_NODE_MM
            else "a node < 10 mm is normal and is not recorded"
        )
        return [
            BaselineProblem(
                "§3.1, §4.2",
                f"lesion {lesion.id}: a lymph node with short axis {size} mm is not measurable (≥ 15 mm needed); {what}",
                (lesion.id,),
            )
        ]
    if not lesion.lymph_node and size < MEASURABLE_MM:
        return [
            BaselineProblem(
                "§3.1",
                f"lesion {lesion.id}: longest diameter {size} mm is not measurable (≥ 10 mm needed); follow it as non-target",
                (lesion.id,),
            )
        ]
    return []


def _warnings(subject: SubjectRecord, targets: list[LesionRecord], non_targets: list[LesionRecord]) -> list[str]:
    warnings: list[str] = []
    lead = (subject.start_date - subject.baseline.date).days
    if lead > MAX_BASELINE_DAYS_BEFORE_START:
        warnings.append(f"the baseline is {lead} days before the first dose; RECIST 1.1 §3.2 asks for at most 4 weeks")
    for lesion in non_targets:
        if lesion.lymph_node and lesion.diameter_mm is not None and lesion.diameter_mm < PATHOLOGICAL_NODE_MM:
            warnings.append(
                f"lesion {lesion.id}: a node with short axis {lesion.diameter_mm} mm is normal (< 10 mm) and need "
                "not be recorded (§4.2)"
            )
    if not targets and non_targets:
        warnings.append("no target lesion: each time point is read from Table 2 (non-target disease only)")
    return warnings
