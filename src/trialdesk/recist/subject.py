"""Assess subjects by RECIST 1.1 end to end: baseline, time points, best response, dates."""

from __future__ import annotations

from collections.abc import Iterable

from trialdesk.recist.baseline import check_baseline_selection
from trialdesk.recist.best_response import DEFAULT_CONFIRMATION_DAYS, best_overall_response
from trialdesk.recist.endpoints import derive_endpoint_dates
from trialdesk.recist.record import RecistInput, SubjectRecord
from trialdesk.recist.result import BestOverallResponse, SubjectResponse
from trialdesk.recist.time_point import time_point_responses


def assess_subject(
    subject: SubjectRecord,
    *,
    min_sd_days: int,
    confirm: bool = True,
    confirmation_days: int = DEFAULT_CONFIRMATION_DAYS,
    max_ne_between: int = 1,
    accept_sd_between: bool = False,
) -> SubjectResponse:
    """One subject's RECIST 1.1 assessment.

    1. Check the baseline selection (`check_baseline_selection`, §3.1, §4.2); a selection
       that breaks the rules raises RecistError naming the subject and each problem.
    2. Assess every follow-up (`time_point_responses`, §4.4.1, Tables 1 and 2).
    3. Derive the best overall response both without and with confirmation
       (`best_overall_response`, §4.4.3, Table 3); `confirm` picks the one reported as
       `best_response` (a single-arm trial with response as primary endpoint confirms, §4.6.1).
    4. Derive the endpoint dates (`derive_endpoint_dates`, §4.6.2, §4.7).

    Parameters are those of `best_overall_response`; `min_sd_days` is the protocol's
    minimum time from the first dose for SD and has no default, because RECIST leaves it
    to the protocol (§4.6.1: "in general not less than 6–8 weeks").
    """
    baseline = check_baseline_selection(subject)
    time_points = time_point_responses(subject)

    def best(with_confirmation: bool) -> BestOverallResponse:
        return best_overall_response(
            time_points,
            start_date=subject.start_date,
            confirm=with_confirmation,
            min_sd_days=min_sd_days,
            confirmation_days=confirmation_days,
            max_ne_between=max_ne_between,
            accept_sd_between=accept_sd_between,
            non_target_only=not baseline.targets,
        )

    unconfirmed, confirmed = best(False), best(True)
    return SubjectResponse(
        subject_id=subject.id,
        start_date=subject.start_date,
        baseline=baseline,
        time_points=time_points,
        unconfirmed=unconfirmed,
        confirmed=confirmed,
        endpoints=derive_endpoint_dates(
            time_points, start_date=subject.start_date, unconfirmed=unconfirmed, confirmed=confirmed
        ),
        confirmation_required=confirm,
    )


def assess_subjects(
    data: RecistInput | Iterable[SubjectRecord],
    *,
    min_sd_days: int,
    confirm: bool = True,
    confirmation_days: int = DEFAULT_CONFIRMATION_DAYS,
    max_ne_between: int = 1,
    accept_sd_between: bool = False,
) -> tuple[SubjectResponse, ...]:
    """`assess_subject` for every subject of a loaded file, in file order."""
    subjects = data.subjects if isinstance(data, RecistInput) else tuple(data)
    return tuple(
        assess_subject(
            subject,
            min_sd_days=min_sd_days,
            confirm=confirm,
            confirmation_days=confirmation_days,
            max_ne_between=max_ne_between,
            accept_sd_between=accept_sd_between,
        )
        for subject in subjects
    )
