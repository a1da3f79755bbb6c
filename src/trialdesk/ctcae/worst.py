"""A subject's worst CTCAE grade per term over a period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from trialdesk.ctcae.result import GradeResult, WorstGrade
from trialdesk.errors import CtcaeError


def worst_grades(
    results: Iterable[GradeResult], start: date, end: date, *, subject_id: str | None = None
) -> tuple[WorstGrade, ...]:
    """Each subject's worst grade of each term among results dated from `start` to `end`.

    1. Keep results dated on or between `start` and `end` (both included), of `subject_id`
       when one is given.
    2. Per subject and term, the worst is the highest `grade` (what the laboratory values
       establish); among equal grades the earliest result, so the onset date is kept.
    3. `highest_reading` is the highest grade any kept result could have on clinical facts
       (a lab_only reading), so a reviewer sees what the values alone cannot settle.

    >>> worst_grades([], date(2026, 1, 1), date(2026, 3, 31))
    ()
    """
    if start > end:
        raise CtcaeError(
            f"the period starts on {start}, after it ends on {end}", field="start", fix="swap start and end"
        )
    kept: dict[tuple[str, str], list[GradeResult]] = {}
    for result in results:
        if start <= result.date <= end and subject_id in (None, result.subject_id):
            kept.setdefault((result.subject_id, result.term), []).append(result)
    worst: list[WorstGrade] = []
    for (subject, term), group in sorted(kept.items()):
        top = min(group, key=lambda r: (-r.grade, r.date, r.row if r.row is not None else 0))
        worst.append(
            WorstGrade(
                subject_id=subject,
                term=term,
                meddra_code=top.meddra_code,
                start=start,
                end=end,
                grade=top.grade,
                highest_reading=max(r.highest_reading for r in group),
                results=len(group),
                worst=top,
            )
        )
    return tuple(worst)
