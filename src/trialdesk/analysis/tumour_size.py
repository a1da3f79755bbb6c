"""Change in tumour size per subject, from the lesion reads by RECIST 1.1: what the
waterfall and spider plots draw, and who they leave out and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.analysis.dataset import TrialSubject
from trialdesk.errors import AnalysisError, RecistError
from trialdesk.recist import SubjectRecord, time_point_responses


@dataclass(frozen=True, slots=True)
class SizeChange:
    """The sum of target-lesion diameters at one follow-up, as % change from baseline."""

    date: dt.date
    days: int
    percent: float


@dataclass(frozen=True, slots=True)
class TumourSizeCourse:
    """One subject's % changes over time and the best (most negative) of them."""

    subject_id: str
    best_response: str
    changes: tuple[SizeChange, ...]

    @property
    def best_percent_change(self) -> float:
        return min(c.percent for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "best_response": self.best_response,
            "best_percent_change": self.best_percent_change,
            "changes": [{"date": c.date.isoformat(), "days": c.days, "percent": c.percent} for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class TumourSizeChanges:
    """Every subject with a complete post-baseline sum, and those left out with the reason."""

    courses: tuple[TumourSizeCourse, ...]
    excluded: tuple[tuple[str, str], ...]

    def excluded_text(self) -> str:
        if not self.excluded:
            return "every subject has a post-baseline sum of diameters"
        return "not shown: " + "; ".join(f"{sid} ({why})" for sid, why in self.excluded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subjects": [c.to_dict() for c in self.courses],
            "excluded": [{"subject_id": sid, "reason": why} for sid, why in self.excluded],
        }


def derive_tumour_size_changes(
    subjects: tuple[TrialSubject, ...], best_responses: Mapping[str, str]
) -> TumourSizeChanges:
    """% change of the sum of target-lesion diameters from baseline, per follow-up.

    1. A subject's lesion reads are assessed by `trialdesk.recist.time_point_responses`
       (RECIST 1.1 §4.3.1): the earliest read is the baseline, the start is the first dose.
    2. A follow-up counts only when every target lesion was read (a complete sum); its
       change is `TimePointResponse.change_from_baseline_pct` (to 0.1 %).
    3. Left out, with the reason: no lesion reads; no target lesion at baseline; no
       follow-up read; no follow-up with a complete sum; never dosed.
    4. `best_responses` (subject id → best overall response) colours each subject.

    Subjects are in dataset order; callers sort (the waterfall sorts by best change).
    """
    courses: list[TumourSizeCourse] = []
    excluded: list[tuple[str, str]] = []
    for subject in subjects:
        reason, changes = _changes(subject)
        if reason:
            excluded.append((subject.subject_id, reason))
            continue
        response = best_responses.get(subject.subject_id, "NE")
        courses.append(TumourSizeCourse(subject.subject_id, response, changes))
    return TumourSizeChanges(tuple(courses), tuple(excluded))


def _changes(subject: TrialSubject) -> tuple[str, tuple[SizeChange, ...]]:
    if not subject.lesion_measurements:
        return "no lesion measurements", ()
    if subject.first_dose_date is None:
        return "never dosed", ()
    if len(subject.lesion_measurements) == 1:
        return "no post-baseline measurement", ()
    record = SubjectRecord(
        id=subject.subject_id, start_date=subject.first_dose_date, assessments=subject.lesion_measurements
    )
    try:
        points = time_point_responses(record)
    except RecistError as exc:
        raise AnalysisError(f"subject {subject.subject_id}, lesion_measurements: {exc.message}", fix=exc.fix) from None
    start = subject.first_dose_date
    changes = tuple(
        SizeChange(p.date, (p.date - start).days, float(pct))
        for p in points
        if (pct := p.change_from_baseline_pct) is not None
    )
    if not points or points[0].baseline_sum_mm is None:
        return "no target lesion at baseline", ()
    if not changes:
        return "no post-baseline read of every target lesion", ()
    return "", changes
