"""RECIST 1.1 results as values: each prints for people (`str`) and serialises (`to_dict`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from trialdesk.errors import RecistError
from trialdesk.recist.categories import NewLesions, Response


def number(value: Decimal | None) -> int | float | None:
    """A Decimal for JSON: an int when whole, else a float; None stays None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def percent_change(value: Decimal, reference: Decimal) -> Decimal | None:
    """(value − reference) / reference in %, to 0.1 %; None when the reference is 0."""
    if reference == 0:
        return None
    return ((value - reference) * 100 / reference).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# -- baseline -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BaselineProblem:
    """One way the baseline selection breaks RECIST 1.1, with the section it breaks."""

    section: str
    message: str
    lesions: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.message} (RECIST 1.1 {self.section})"

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "message": self.message, "lesions": list(self.lesions)}


@dataclass(frozen=True, slots=True)
class BaselineSelection:
    """The baseline's target and non-target lesions and whether their selection is valid."""

    subject_id: str
    date: dt.date
    targets: tuple[str, ...]
    non_targets: tuple[str, ...]
    sum_mm: Decimal | None
    targets_per_organ: tuple[tuple[str, int], ...]
    problems: tuple[BaselineProblem, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise RecistError listing every problem, if there is any."""
        if self.problems:
            listed = "\n    ".join(str(p) for p in self.problems)
            raise RecistError(
                f"subject {self.subject_id}, visit baseline ({self.date.isoformat()}): the target lesion "
                f"selection breaks RECIST 1.1:\n    {listed}",
                fix="re-select the target lesions at baseline: at most 5, at most 2 per organ, each measurable",
            )

    def __str__(self) -> str:
        head = (
            f"{self.subject_id} baseline {self.date.isoformat()}: {len(self.targets)} target "
            f"({', '.join(self.targets) or 'none'}), {len(self.non_targets)} non-target, "
            f"sum {number(self.sum_mm) if self.sum_mm is not None else '—'} mm"
        )
        lines = [head + (" — valid" if self.ok else " — INVALID")]
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject_id,
            "date": self.date.isoformat(),
            "valid": self.ok,
            "targets": list(self.targets),
            "non_targets": list(self.non_targets),
            "sum_mm": number(self.sum_mm),
            "targets_per_organ": dict(self.targets_per_organ),
            "problems": [p.to_dict() for p in self.problems],
            "warnings": list(self.warnings),
        }


# -- one time point -----------------------------------------------------------------------
class DatedResponse(Protocol):
    """What the best-response derivation reads from a time point: its date and response."""

    @property
    def date(self) -> dt.date: ...

    @property
    def overall(self) -> Response: ...


@dataclass(frozen=True, slots=True)
class ResponseAt:
    """A time-point response given directly (e.g. read from an investigator's CRF)."""

    date: dt.date
    overall: Response
    visit: str = ""


@dataclass(frozen=True, slots=True)
class TimePointResponse:
    """The response at one follow-up assessment (RECIST 1.1 §4.4.1).

    `sum_mm` is the sum of diameters when every target lesion was assessed; otherwise it is
    None and `assessed_sum_mm` is the sum over those assessed (a lower bound). `nadir_mm` is
    the reference for progression: the smallest complete sum before this visit, baseline
    included. `overall` is the response with hindsight: a visit whose equivocal new lesion
    a later scan confirmed is PD (§4.3.5), and `as_assessed` keeps what the visit alone gave.
    """

    visit: str
    date: dt.date
    days_from_start: int | None
    assessed_sum_mm: Decimal | None
    sum_complete: bool
    baseline_sum_mm: Decimal | None
    nadir_mm: Decimal | None
    target: Response
    non_target: Response
    new_lesions: NewLesions
    as_assessed: Response
    overall: Response
    rule: str
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    new_lesion_confirmed_on: dt.date | None = None

    @property
    def sum_mm(self) -> Decimal | None:
        return self.assessed_sum_mm if self.sum_complete else None

    @property
    def change_from_baseline_pct(self) -> Decimal | None:
        """% change of the sum from baseline; None unless every target lesion was assessed."""
        if self.sum_mm is None or self.baseline_sum_mm is None:
            return None
        return percent_change(self.sum_mm, self.baseline_sum_mm)

    @property
    def change_from_nadir_pct(self) -> Decimal | None:
        """% change of the sum from the nadir; None unless complete, or when the nadir is 0."""
        if self.sum_mm is None or self.nadir_mm is None:
            return None
        return percent_change(self.sum_mm, self.nadir_mm)

    @property
    def change_from_nadir_mm(self) -> Decimal | None:
        if self.sum_mm is None or self.nadir_mm is None:
            return None
        return self.sum_mm - self.nadir_mm

    def __str__(self) -> str:
        if self.assessed_sum_mm is None:
            size = "no target lesions"
        else:
            bound = "" if self.sum_complete else "≥"
            size = f"sum {bound}{number(self.assessed_sum_mm)} mm"
            if self.change_from_baseline_pct is not None:
                size += f" ({self.change_from_baseline_pct:+} % from baseline)"
        backdated = f" (as assessed: {self.as_assessed})" if self.overall != self.as_assessed else ""
        return (
            f"{self.date.isoformat()} {self.visit}: {size}; target {self.target}, non-target "
            f"{self.non_target}, new lesions {self.new_lesions} → {self.overall}{backdated}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "visit": self.visit,
            "date": self.date.isoformat(),
            "days_from_start": self.days_from_start,
            "sum_mm": number(self.sum_mm),
            "assessed_sum_mm": number(self.assessed_sum_mm),
            "sum_complete": self.sum_complete,
            "baseline_sum_mm": number(self.baseline_sum_mm),
            "nadir_mm": number(self.nadir_mm),
            "change_from_baseline_pct": number(self.change_from_baseline_pct),
            "change_from_nadir_pct": number(self.change_from_nadir_pct),
            "change_from_nadir_mm": number(self.change_from_nadir_mm),
            "target": str(self.target),
            "non_target": str(self.non_target),
            "new_lesions": str(self.new_lesions),
            "overall": str(self.overall),
            "as_assessed": str(self.as_assessed),
            "rule": self.rule,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "new_lesion_confirmed_on": _iso(self.new_lesion_confirmed_on),
        }


# -- best overall response ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BestOverallResponse:
    """A subject's best overall response (RECIST 1.1 §4.4.3), with or without confirmation.

    `first_response_date` is the first CR/PR time point (unconfirmed) or the first of the
    earliest confirming pair (confirmed); `confirmed_on` is the confirming assessment.
    `open_question` is set where the paper leaves the answer to the investigator, and then
    `alternative` is the answer under the other reading.
    """

    response: Response
    confirmation_required: bool
    reason: str
    first_response_date: dt.date | None
    confirmed_on: dt.date | None
    sd_qualifying_date: dt.date | None
    min_sd_days: int
    confirmation_days: int
    open_question: str | None = None
    alternative: Response | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        kind = "confirmed" if self.confirmation_required else "unconfirmed"
        lines = [f"best overall response ({kind}): {self.response} — {self.reason}"]
        if self.open_question:
            lines.append(f"  open question: {self.open_question} (other reading: {self.alternative})")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "response": str(self.response),
            "confirmation_required": self.confirmation_required,
            "reason": self.reason,
            "first_response_date": _iso(self.first_response_date),
            "confirmed_on": _iso(self.confirmed_on),
            "sd_qualifying_date": _iso(self.sd_qualifying_date),
            "min_sd_days": self.min_sd_days,
            "confirmation_days": self.confirmation_days,
            "open_question": self.open_question,
            "alternative": str(self.alternative) if self.alternative else None,
            "notes": list(self.notes),
        }


# -- endpoint dates -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EndpointDates:
    """The dates DOR and PFS are computed from (RECIST 1.1 §4.6.2, §4.7)."""

    start_date: dt.date
    first_response_date: dt.date | None
    first_confirmed_response_date: dt.date | None
    confirmation_date: dt.date | None
    progression_date: dt.date | None
    progression_backdated: bool
    last_evaluable_assessment_date: dt.date | None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [
            f"first response {_iso(self.first_response_date) or '—'}",
            f"first confirmed response {_iso(self.first_confirmed_response_date) or '—'}",
            f"progression {_iso(self.progression_date) or '—'}"
            + (" (backdated to the first sight of a new lesion)" if self.progression_backdated else ""),
            f"last evaluable assessment {_iso(self.last_evaluable_assessment_date) or '—'}",
        ]
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date.isoformat(),
            "first_response_date": _iso(self.first_response_date),
            "first_confirmed_response_date": _iso(self.first_confirmed_response_date),
            "confirmation_date": _iso(self.confirmation_date),
            "progression_date": _iso(self.progression_date),
            "progression_backdated": self.progression_backdated,
            "last_evaluable_assessment_date": _iso(self.last_evaluable_assessment_date),
            "notes": list(self.notes),
        }


# -- one subject --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SubjectResponse:
    """Everything RECIST 1.1 says about one subject: baseline, time points, best response
    with and without confirmation, and the endpoint dates."""

    subject_id: str
    start_date: dt.date
    baseline: BaselineSelection
    time_points: tuple[TimePointResponse, ...]
    unconfirmed: BestOverallResponse
    confirmed: BestOverallResponse
    endpoints: EndpointDates
    confirmation_required: bool

    @property
    def best_response(self) -> BestOverallResponse:
        """The best overall response the trial reports: confirmed if it requires confirmation."""
        return self.confirmed if self.confirmation_required else self.unconfirmed

    def __str__(self) -> str:
        lines = [f"{self.subject_id} (first dose {self.start_date.isoformat()})", f"  {self.baseline}"]
        lines += [f"  {tp}" for tp in self.time_points]
        lines += [f"  {line}" for line in str(self.confirmed).splitlines()]
        lines += [f"  {line}" for line in str(self.unconfirmed).splitlines()]
        lines.append(f"  dates: {self.endpoints}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject_id,
            "start_date": self.start_date.isoformat(),
            "confirmation_required": self.confirmation_required,
            "best_overall_response": str(self.best_response.response),
            "baseline": self.baseline.to_dict(),
            "time_points": [tp.to_dict() for tp in self.time_points],
            "best_overall_response_confirmed": self.confirmed.to_dict(),
            "best_overall_response_unconfirmed": self.unconfirmed.to_dict(),
            "endpoints": self.endpoints.to_dict(),
        }
