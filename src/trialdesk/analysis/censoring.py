"""Time-to-event derivations for one subject: PFS, OS, DOR and time on treatment, with
censoring after the FDA guidance "Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics" (December 2018), whose PFS table sets the date of progression or
censoring in each situation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from trialdesk.analysis.dataset import TimePointAssessment, TrialSubject
from trialdesk.errors import AnalysisError

DAYS_PER_MONTH = 365.25 / 12
ADEQUATE = frozenset({"CR", "PR", "SD", "PD"})


@dataclass(frozen=True, slots=True)
class CensoringRules:
    """How PFS and DOR are censored; every rule can be switched off for a sensitivity analysis.

    assessment_interval_days : the protocol's tumour-assessment interval (e.g. 56 = 8 weeks).
    visit_window_days : the visit window allowed on top of the scheduled dates.
    missed_assessments : censor a PD or death that follows this many or more missed
        assessments (FDA 2018: two) at the last adequate assessment; 0 turns the rule off.
    censor_at_new_therapy : censor at the last adequate assessment on or before a new
        anti-cancer therapy started before PD (FDA 2018).
    """

    assessment_interval_days: int = 56
    visit_window_days: int = 7
    missed_assessments: int = 2
    censor_at_new_therapy: bool = True

    def __post_init__(self) -> None:
        if self.assessment_interval_days < 1:
            raise AnalysisError(
                f"assessment_interval_days is {self.assessment_interval_days}", fix="give the interval in days, ≥ 1"
            )
        if self.visit_window_days < 0:
            raise AnalysisError(f"visit_window_days is {self.visit_window_days}", fix="give 0 or more days")
        if self.missed_assessments < 0:
            raise AnalysisError(f"missed_assessments is {self.missed_assessments}", fix="give 0 (off) or more")

    @property
    def max_gap_days(self) -> int | None:
        """The longest gap from the last adequate assessment to a PD or death still counted
        as an event; None when the missed-assessment rule is off."""
        if self.missed_assessments == 0:
            return None
        return self.missed_assessments * self.assessment_interval_days + self.visit_window_days

    def describe(self) -> list[str]:
        gap = self.max_gap_days
        return [
            "no PD or death: censored at the last adequate assessment (CR, PR, SD or PD; not NE)",
            "no adequate post-baseline assessment and no death within the gap: censored at the origin",
            (
                f"PD or death after ≥ {self.missed_assessments} missed assessments (> {gap} days after the last "
                "adequate one): censored at the last adequate assessment"
                if gap is not None
                else "PD or death after missed assessments: counted as an event (rule off)"
            ),
            (
                "new anti-cancer therapy before PD: censored at the last adequate assessment on or before its start"
                if self.censor_at_new_therapy
                else "new anti-cancer therapy before PD: ignored (rule off)"
            ),
            "OS: death is the event; alive subjects censored at the last known alive date",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_interval_days": self.assessment_interval_days,
            "visit_window_days": self.visit_window_days,
            "missed_assessments": self.missed_assessments,
            "censor_at_new_therapy": self.censor_at_new_therapy,
            "rules": self.describe(),
        }


@dataclass(frozen=True, slots=True)
class TimeToEvent:
    """One subject's time from `origin` to `date`: an event, or censored there, and why."""

    origin: dt.date
    date: dt.date
    event: bool
    reason: str

    @property
    def days(self) -> int:
        return (self.date - self.origin).days

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin.isoformat(),
            "date": self.date.isoformat(),
            "event": self.event,
            "days": self.days,
            "reason": self.reason,
        }


def _adequate(assessments: tuple[TimePointAssessment, ...], on_or_before: dt.date | None = None) -> list[dt.date]:
    return sorted(
        a.date for a in assessments if a.response in ADEQUATE and (on_or_before is None or a.date <= on_or_before)
    )


def derive_progression_free_survival(subject: TrialSubject, *, origin: dt.date, rules: CensoringRules) -> TimeToEvent:
    """PFS from `origin` (the first dose, or the first response for DOR) to PD or death.

    1. The event date is the earlier of the first PD time point and death; only
       assessments on or after `origin` count.
    2. New anti-cancer therapy started before that (and the rule on): censored at the last
       adequate assessment on or before the therapy start, else at the origin.
    3. No PD or death: censored at the last adequate assessment, else at the origin.
    4. PD or death more than `rules.max_gap_days` after the last adequate assessment (or
       the origin, when there is none): censored at that assessment (or the origin).
    5. Otherwise the PD or death is the event.
    """
    points = tuple(a for a in subject.assessments if a.date >= origin)
    progression = min((a.date for a in points if a.response == "PD"), default=None)
    death = subject.death_date if subject.death_date is not None and subject.death_date >= origin else None
    candidates = [d for d in (progression, death) if d is not None]
    event_date = min(candidates) if candidates else None
    kind = "PD" if event_date is not None and event_date == progression else "death"
    therapy = subject.subsequent_therapy_date
    if rules.censor_at_new_therapy and therapy is not None and (event_date is None or therapy < event_date):
        last = _adequate(points, on_or_before=therapy)
        return _censor(origin, last, f"new anti-cancer therapy on {therapy.isoformat()} before PD")
    if event_date is None:
        return _censor(origin, _adequate(points), "no PD or death")
    last = _adequate(points, on_or_before=event_date - dt.timedelta(days=1))
    reference = last[-1] if last else origin
    gap = rules.max_gap_days
    if gap is not None and (event_date - reference).days > gap:
        return _censor(
            origin,
            last,
            f"{kind} on {event_date.isoformat()} {(event_date - reference).days} days after the last adequate "
            f"assessment (> {gap}: ≥ {rules.missed_assessments} missed)",
        )
    return TimeToEvent(origin, event_date, True, f"{kind} on {event_date.isoformat()}")


def _censor(origin: dt.date, adequate: list[dt.date], why: str) -> TimeToEvent:
    if adequate:
        return TimeToEvent(origin, adequate[-1], False, f"{why}: censored at the last adequate assessment")
    return TimeToEvent(origin, origin, False, f"{why}: no adequate assessment, censored at the origin")


def derive_overall_survival(subject: TrialSubject, *, origin: dt.date) -> TimeToEvent:
    """OS from `origin` to death; alive subjects censored at the last known alive date
    (already capped at the data cut-off)."""
    if subject.death_date is not None:
        return TimeToEvent(origin, subject.death_date, True, f"death on {subject.death_date.isoformat()}")
    last = max(subject.last_known_alive_date, origin)
    return TimeToEvent(origin, last, False, f"alive on {last.isoformat()}: censored")


def derive_time_on_treatment(subject: TrialSubject, *, cutoff: dt.date) -> TimeToEvent | None:
    """First to last dose; treatment ongoing at the cut-off is censored there. None if
    never dosed. The end is the last dose date, else the end-of-treatment date."""
    if subject.first_dose_date is None:
        return None
    end = subject.last_dose_date or subject.end_of_treatment_date
    if subject.end_of_treatment_date is not None and end is not None:
        reason = subject.end_of_treatment_reason or "reason not recorded"
        return TimeToEvent(subject.first_dose_date, end, True, f"treatment ended ({reason})")
    return TimeToEvent(subject.first_dose_date, cutoff, False, "on treatment at the cut-off: censored")
