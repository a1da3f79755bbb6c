"""Derive a subject's best overall response over its time points (RECIST 1.1 §4.4.3,
§4.6.1, Table 3), with or without confirmation of CR and PR."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.errors import RecistError
from trialdesk.recist.categories import Response
from trialdesk.recist.result import BestOverallResponse, DatedResponse, ResponseAt

R = Response
RESPONDING = frozenset({R.CR, R.PR})
STABLE_OR_BETTER = frozenset({R.CR, R.PR, R.SD, R.NON_CR_NON_PD})
DEFAULT_CONFIRMATION_DAYS = 28


@dataclass(frozen=True, slots=True)
class _Reading:
    """How the open cases are read: the rules the paper gives, or the other way."""

    cr_truly_met: bool = True
    accept_sd_between: bool = False
    max_ne_between: int | None = 1


@dataclass(frozen=True, slots=True)
class _Derived:
    response: Response
    reason: str
    first_response: dt.date | None = None
    confirmed_on: dt.date | None = None
    sd_date: dt.date | None = None


def best_overall_response(
    time_points: Sequence[DatedResponse],
    *,
    start_date: dt.date,
    confirm: bool,
    min_sd_days: int,
    confirmation_days: int = DEFAULT_CONFIRMATION_DAYS,
    max_ne_between: int = 1,
    accept_sd_between: bool = False,
    non_target_only: bool | None = None,
) -> BestOverallResponse:
    """The best response recorded from the start of treatment until progression.

    Common steps (§4.4.3):
    1. Only time points up to and including the first PD count.
    2. SD is a best response only if SD criteria (or better) were met at least once
       `min_sd_days` or more after the first dose (§4.4.3, §4.6.1: the protocol sets this
       minimum, often 6–8 weeks). Non-CR/non-PD (non-target disease only) is held to the
       same minimum — an analogy: the paper states it for SD only.
    3. Failing a response and a qualifying SD: PD if a PD time point was reached (an SD too
       early, then PD, is PD), otherwise NE (an SD too early, then no more data, is NE).

    Without confirmation (§4.4.3, "confirmation not required"):
    4. CR if any time point is CR; else PR if any is PR. The first response date is the
       first CR/PR time point.

    With confirmation (§4.4.3 and Table 3, §4.6.1):
    4. A CR followed later by a PR, SD or non-CR/non-PD means the disease reappeared: that
       time point is read as PD and ends the series (Table 3 note a). For a PR after a CR
       the paper leaves the answer open (Table 3: "SD, PD or PR"): if the CR was not truly
       met, it should have been a PR and the best response is PR. The result's
       `open_question` says so and `alternative` gives the answer under that reading.
    5. CR when a CR is followed by another CR at least `confirmation_days` later, with
       nothing between but CR and at most `max_ne_between` NE (§4.6.1; §4.4.4: PR–NE–PR
       is reasonably a confirmed response).
    6. PR when a CR or PR is followed by a CR or PR at least `confirmation_days` later,
       with nothing between but CR, PR and at most `max_ne_between` NE (Table 3 rows
       PR/PR and PR/CR). An SD between breaks the confirmation unless `accept_sd_between`
       (one SD then allowed): Table 3 reads PR then SD as SD, and the paper does not say
       what a later PR does, so when it matters the result says so as an open question;
       likewise when more NE than `max_ne_between` lie between (§4.4.4 leaves repeated NE
       to the analysis plan).
    7. The first response date is the first time point of the earliest confirmed pair
       (§4.6.2: duration of response runs from the first CR/PR), `confirmed_on` the second.
    8. Otherwise steps 2–3: SD (Table 3 rows CR/SD, CR/PD, CR/NE, PR/SD, PR/PD, PR/NE
       "provided minimum criteria for SD duration met"), else PD, else NE.

    Parameters
    ----------
    time_points : the subject's time-point responses (anything with `date` and `overall`,
        e.g. `TimePointResponse` or `ResponseAt`), in any order.
    start_date : the first dose.
    confirm : True to require confirmation of CR and PR, False not to.
    min_sd_days : the protocol's minimum time from the first dose for SD, in days (≥ 0).
    confirmation_days : minimum days between a response and its confirmation (≥ 1; 28 = 4 weeks).
    max_ne_between : NE time points allowed between a response and its confirmation (≥ 0).
    accept_sd_between : whether one SD between two responses still lets them confirm.
    non_target_only : True when the subject had no target lesions (a stable best response is
        then non-CR/non-PD); None to infer it from the responses.

    Example
    -------
    >>> d = dt.date
    >>> points = [ResponseAt(d(2026, 3, 2), Response.PR), ResponseAt(d(2026, 4, 6), Response.PR)]
    >>> best_overall_response(points, start_date=d(2026, 1, 5), confirm=True, min_sd_days=42).response
    <Response.PR: 'PR'>
    """
    _check_arguments(min_sd_days, confirmation_days, max_ne_between)
    ordered = sorted(time_points, key=lambda p: p.date)
    points, notes = _until_progression(ordered)
    table_2 = non_target_only if non_target_only is not None else _looks_non_target_only(points)
    if not confirm:
        derived = _unconfirmed(points, start_date, min_sd_days, table_2)
        if table_2 and derived.response == R.NON_CR_NON_PD:
            notes.append("non-CR/non-PD is held to the minimum SD duration by analogy (§4.4.3 states it for SD)")
        return _result(derived, False, notes, min_sd_days=min_sd_days, confirmation_days=confirmation_days)
    primary_reading = _Reading(True, accept_sd_between, max_ne_between)
    derived = _confirmed(points, start_date, min_sd_days, confirmation_days, table_2, primary_reading)
    question, alternative = _open_question(
        points, derived, start_date, min_sd_days, confirmation_days, table_2, primary_reading
    )
    return _result(
        derived, True, notes, question, alternative, min_sd_days=min_sd_days, confirmation_days=confirmation_days
    )


def _check_arguments(min_sd_days: int, confirmation_days: int, max_ne_between: int) -> None:
    if min_sd_days < 0:
        raise RecistError(f"min_sd_days is {min_sd_days}", fix="give the protocol's minimum SD duration in days, ≥ 0")
    if confirmation_days < 1:
        raise RecistError(f"confirmation_days is {confirmation_days}", fix="give at least 1 day (RECIST: 28)")
    if max_ne_between < 0:
        raise RecistError(f"max_ne_between is {max_ne_between}", fix="give 0 or more")


def _result(
    derived: _Derived,
    confirm: bool,
    notes: list[str],
    question: str | None = None,
    alternative: Response | None = None,
    *,
    min_sd_days: int,
    confirmation_days: int,
) -> BestOverallResponse:
    return BestOverallResponse(
        response=derived.response,
        confirmation_required=confirm,
        reason=derived.reason,
        first_response_date=derived.first_response,
        confirmed_on=derived.confirmed_on,
        sd_qualifying_date=derived.sd_date,
        min_sd_days=min_sd_days,
        confirmation_days=confirmation_days,
        open_question=question,
        alternative=alternative,
        notes=tuple(notes),
    )


def _until_progression(points: list[DatedResponse]) -> tuple[list[DatedResponse], list[str]]:
    for index, point in enumerate(points):
        if point.overall == R.PD:
            later = len(points) - index - 1
            notes = [f"{later} time point(s) after the first PD ({point.date.isoformat()}) not considered (§4.4.3)"]
            return points[: index + 1], notes if later else []
    return points, []


def _looks_non_target_only(points: list[DatedResponse]) -> bool:
    responses = {p.overall for p in points}
    return R.NON_CR_NON_PD in responses and not responses & {R.PR, R.SD}


def _stable(points: Sequence[DatedResponse], start: dt.date, min_sd_days: int, table_2: bool) -> _Derived | None:
    for point in points:
        if point.overall in STABLE_OR_BETTER and (point.date - start).days >= min_sd_days:
            response = R.NON_CR_NON_PD if table_2 else R.SD
            return _Derived(
                response,
                f"{response} criteria met on {point.date.isoformat()}, day {(point.date - start).days} "
                f"≥ {min_sd_days} after the first dose (§4.4.3, §4.6.1)",
                sd_date=point.date,
            )
    return None


def _no_response(
    points: Sequence[DatedResponse], start: dt.date, min_sd_days: int, table_2: bool, lead: str
) -> _Derived:
    stable = _stable(points, start, min_sd_days, table_2)
    if stable is not None:
        return dataclasses.replace(stable, reason=f"{lead}; {stable.reason}")
    if not points:
        return _Derived(R.NE, "no follow-up assessment (§4.4.2)")
    progression = next((p for p in points if p.overall == R.PD), None)
    if progression is not None:
        return _Derived(
            R.PD,
            f"{lead}; progression on {progression.date.isoformat()} before stable disease lasted "
            f"{min_sd_days} days (§4.4.3)",
        )
    return _Derived(R.NE, f"{lead}; no SD at day ≥ {min_sd_days} and no progression (§4.4.3)")


def _unconfirmed(points: list[DatedResponse], start: dt.date, min_sd_days: int, table_2: bool) -> _Derived:
    for best in (R.CR, R.PR):
        first = next((p for p in points if p.overall == best), None)
        if first is not None:
            first_response = next(p for p in points if p.overall in RESPONDING)
            return _Derived(
                best,
                f"{best} on {first.date.isoformat()}, confirmation not required (§4.4.3)",
                first_response=first_response.date,
            )
    return _no_response(points, start, min_sd_days, table_2, "no CR or PR")


def _reread_after_cr(points: list[DatedResponse], cr_truly_met: bool) -> list[DatedResponse]:
    """Table 3 note a: after a CR, a PR, SD or non-CR/non-PD is a reappearance (PD), and
    ends the series. Read the other way, CRs later followed by a PR were PRs."""
    if not cr_truly_met:
        points = [
            ResponseAt(p.date, R.PR) if p.overall == R.CR and any(q.overall == R.PR for q in points[i + 1 :]) else p
            for i, p in enumerate(points)
        ]
    seen_cr = False
    for index, point in enumerate(points):
        if seen_cr and point.overall in STABLE_OR_BETTER - {R.CR}:
            return [*points[:index], ResponseAt(point.date, R.PD)]
        seen_cr = seen_cr or point.overall == R.CR
    return points


def _confirming(
    points: list[DatedResponse], i: int, kinds: frozenset[Response], window: int, reading: _Reading
) -> int | None:
    """The index of the first time point confirming points[i] as one of `kinds`, if any."""
    ne = sd = 0
    for j in range(i + 1, len(points)):
        response = points[j].overall
        if response in kinds and (points[j].date - points[i].date).days >= window:
            return j
        if response == R.NE:
            ne += 1
            if reading.max_ne_between is not None and ne > reading.max_ne_between:
                return None
        elif response == R.SD and reading.accept_sd_between and sd == 0:
            sd += 1
        elif response not in kinds:
            return None
    return None


def _confirmed(
    points: list[DatedResponse], start: dt.date, min_sd_days: int, window: int, table_2: bool, reading: _Reading
) -> _Derived:
    series = _reread_after_cr(points, reading.cr_truly_met)
    pairs: dict[Response, list[tuple[int, int]]] = {R.CR: [], R.PR: []}
    for best, kinds in ((R.CR, frozenset({R.CR})), (R.PR, RESPONDING)):
        for i, point in enumerate(series):
            j = _confirming(series, i, kinds, window, reading) if point.overall in kinds else None
            if j is not None:
                pairs[best].append((i, j))
    for best in (R.CR, R.PR):
        if pairs[best]:
            i, j = pairs[best][0]
            first_i, first_j = pairs[R.PR][0]
            return _Derived(
                best,
                f"{series[i].overall} on {series[i].date.isoformat()} confirmed by {series[j].overall} on "
                f"{series[j].date.isoformat()}, {(series[j].date - series[i].date).days} days later "
                f"(≥ {window}; §4.6.1, Table 3)",
                first_response=series[first_i].date,
                confirmed_on=series[first_j].date,
            )
    responses = [p for p in series if p.overall in RESPONDING]
    lead = (
        f"{responses[0].overall} on {responses[0].date.isoformat()} not confirmed ≥ {window} days later (Table 3)"
        if responses
        else "no CR or PR"
    )
    return _no_response(series, start, min_sd_days, table_2, lead)


def _open_question(
    points: list[DatedResponse],
    primary: _Derived,
    start: dt.date,
    min_sd_days: int,
    window: int,
    table_2: bool,
    reading: _Reading,
) -> tuple[str | None, Response | None]:
    def other(changed: _Reading) -> Response:
        return _confirmed(points, start, min_sd_days, window, table_2, changed).response

    questions: list[str] = []
    if other(dataclasses.replace(reading, cr_truly_met=False)) != primary.response:
        cr = next(p for p in points if p.overall == R.CR)
        pr = next(p for p in points if p.overall == R.PR and p.date > cr.date)
        questions.append(
            f"a PR on {pr.date.isoformat()} follows the CR of {cr.date.isoformat()}: if the CR was truly met, "
            f"the disease reappeared and {pr.date.isoformat()} is PD; if small lesions were likely still present, "
            "the CR was a PR (RECIST 1.1 Table 3 note a) — for the investigator to settle"
        )
    if (
        not reading.accept_sd_between
        and other(dataclasses.replace(reading, accept_sd_between=True)) != primary.response
    ):
        questions.append(
            "an SD lies between two responses: the paper does not say whether the later one confirms the "
            "earlier (Table 3 gives PR then SD as SD); read here as not confirming"
        )
    if (
        reading.max_ne_between is not None
        and other(dataclasses.replace(reading, max_ne_between=None)) != primary.response
    ):
        questions.append(
            f"more than {reading.max_ne_between} NE lie between two responses: §4.4.4 leaves repeated NE to the "
            "analysis plan; read here as not confirming"
        )
    if not questions:
        return None, None
    return " ".join(questions), other(_Reading(cr_truly_met=False, accept_sd_between=True, max_ne_between=None))
