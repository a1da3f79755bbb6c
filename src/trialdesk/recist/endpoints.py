"""Derive the dates that duration of response and progression-free survival are computed
from (RECIST 1.1 §4.6.2, §4.7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from trialdesk.recist.categories import Response
from trialdesk.recist.result import BestOverallResponse, EndpointDates, TimePointResponse


def derive_endpoint_dates(
    time_points: Sequence[TimePointResponse],
    *,
    start_date: dt.date,
    unconfirmed: BestOverallResponse,
    confirmed: BestOverallResponse,
) -> EndpointDates:
    """The response and progression dates of one subject.

    1. Progression date: the first time point whose response is PD (§4.3.1, §4.3.3,
       §4.3.5). When that PD is an equivocal new lesion confirmed at a later scan, the date
       is that of the scan that first showed it (§4.3.5), and `progression_backdated` is set.
    2. First response date: the first CR or PR time point up to progression — duration of
       response runs from when the CR or PR criteria are first met (§4.6.2). Taken from the
       unconfirmed best response.
    3. First confirmed response date and confirmation date: the two time points of the
       earliest confirmed pair (§4.6.1), taken from the confirmed best response; None
       without a confirmed response.
    4. Last evaluable assessment: the last time point up to progression whose response is
       not NE — where PFS is commonly censored without progression (§4.7 leaves censoring
       rules to the protocol).

    Parameters
    ----------
    time_points : the subject's time-point responses (from `time_point_responses`).
    start_date : the first dose; PFS and the SD minimum are counted from it.
    unconfirmed, confirmed : the subject's best overall responses without and with confirmation.

    Example
    -------
    >>> from trialdesk.recist.best_response import best_overall_response
    >>> pts: list[TimePointResponse] = []
    >>> start = dt.date(2026, 1, 5)
    >>> bor = best_overall_response(pts, start_date=start, confirm=False, min_sd_days=42)
    >>> derive_endpoint_dates(pts, start_date=start, unconfirmed=bor, confirmed=bor).progression_date is None
    True
    """
    ordered = sorted(time_points, key=lambda p: p.date)
    progression = next((p for p in ordered if p.overall == Response.PD), None)
    considered = [p for p in ordered if progression is None or p.date <= progression.date]
    evaluable = [p for p in considered if p.overall != Response.NE]
    notes: list[str] = []
    if progression is not None and progression.new_lesion_confirmed_on is not None:
        notes.append(
            f"progression dated to the first sight of a new lesion confirmed on "
            f"{progression.new_lesion_confirmed_on.isoformat()} (§4.3.5)"
        )
    if confirmed.open_question:
        notes.append(
            f"the confirmed best response has an open question that may move these dates: {confirmed.open_question}"
        )
    return EndpointDates(
        start_date=start_date,
        first_response_date=unconfirmed.first_response_date,
        first_confirmed_response_date=confirmed.first_response_date,
        confirmation_date=confirmed.confirmed_on,
        progression_date=progression.date if progression else None,
        progression_backdated=bool(progression and progression.new_lesion_confirmed_on),
        last_evaluable_assessment_date=evaluable[-1].date if evaluable else None,
        notes=tuple(notes),
    )
