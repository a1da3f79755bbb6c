"""The endpoint analysis of a single-arm trial at a data cut-off, shaped like a lifelines
fitter: configure, `fit(dataset)`, read named results, `print_summary()`, `to_dict()`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.analysis.censoring import (
    DAYS_PER_MONTH,
    CensoringRules,
    TimeToEvent,
    derive_overall_survival,
    derive_progression_free_survival,
    derive_time_on_treatment,
)
from trialdesk.analysis.dataset import TrialDataset, TrialSubject, dataset_at_cutoff
from trialdesk.analysis.proportions import BinomialProportion, ProportionCI
from trialdesk.analysis.survival import SurvivalCI, SurvivalEstimate, kaplan_meier
from trialdesk.errors import AnalysisError
from trialdesk.recist import BestOverallResponse, Response, best_overall_response
from trialdesk.recist.result import ResponseAt

DEFAULT_LANDMARKS_MONTHS = (6.0, 12.0, 24.0)
DEFAULT_AT_RISK_MONTHS = (0.0, 3.0, 6.0, 9.0, 12.0, 18.0, 24.0)


@dataclass(frozen=True, slots=True)
class SubjectEndpoints:
    """One subject's derived endpoints at the cut-off."""

    subject_id: str
    best_response: BestOverallResponse
    pfs: TimeToEvent
    os: TimeToEvent
    dor: TimeToEvent | None
    time_on_treatment: TimeToEvent | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "best_overall_response": str(self.best_response.response),
            "best_response_reason": self.best_response.reason,
            "first_response_date": _iso(self.best_response.first_response_date),
            "pfs": self.pfs.to_dict(),
            "os": self.os.to_dict(),
            "dor": self.dor.to_dict() if self.dor else None,
            "time_on_treatment": self.time_on_treatment.to_dict() if self.time_on_treatment else None,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def derive_subject_endpoints(
    subject: TrialSubject,
    *,
    cutoff: dt.date,
    confirm: bool,
    confirmation_days: int,
    min_sd_days: int,
    rules: CensoringRules,
) -> SubjectEndpoints:
    """Derive one subject's best overall response and time-to-event endpoints.

    1. The subject is taken as known at `cutoff` (callers pass `subject_at_cutoff`).
    2. Best overall response by `trialdesk.recist.best_overall_response` (RECIST 1.1
       §4.4.3, §4.6.1, Table 3) from the time-point responses, counted from the first dose
       (enrolment if never dosed), with or without confirmation.
    3. PFS and OS from the first dose (`derive_progression_free_survival`,
       `derive_overall_survival`).
    4. DOR, for a responder only: from the first CR/PR (§4.6.2) to PD or death, censored
       by the same rules as PFS.
    """
    start = subject.start_date
    points = [ResponseAt(a.date, Response(a.response)) for a in subject.assessments]
    bor = best_overall_response(
        points,
        start_date=start,
        confirm=confirm,
        min_sd_days=min_sd_days,
        confirmation_days=confirmation_days,
        non_target_only=False,
    )
    dor = None
    if bor.response in (Response.CR, Response.PR) and bor.first_response_date is not None:
        dor = derive_progression_free_survival(subject, origin=bor.first_response_date, rules=rules)
    return SubjectEndpoints(
        subject_id=subject.subject_id,
        best_response=bor,
        pfs=derive_progression_free_survival(subject, origin=start, rules=rules),
        os=derive_overall_survival(subject, origin=start),
        dor=dor,
        time_on_treatment=derive_time_on_treatment(subject, cutoff=cutoff),
    )


class EndpointAnalysis:
    """ORR, DCR, PFS, OS, DOR, time on treatment and follow-up of a single-arm trial at a
    data cut-off.

    Steps of `fit`:
    1. Keep what was known at `cutoff` (`dataset_at_cutoff`): subjects enrolled later are
       dropped; later assessments, deaths and therapies are not seen.
    2. The analysis population is every subject enrolled by the cut-off (the denominator
       of ORR and DCR).
    3. Derive each subject's best overall response and times (`derive_subject_endpoints`).
    4. ORR = CR + PR; DCR = CR + PR + SD (SD at ≥ `min_sd_days` after the first dose);
       binomial CIs (`proportion_ci`: "exact" Clopper–Pearson or "wilson").
    5. PFS, OS, DOR (responders only), time on treatment by Kaplan–Meier in months
       (days / 30.4375), median with CI of `ci_type` ("log-log" or "log"), survival at
       `landmarks_months`, numbers at risk.
    6. Median follow-up by reverse Kaplan–Meier (Schemper & Smith, Control Clin Trials
       1996;17:343–346): OS times with death as the censoring and being alive as the event.

    Example
    -------
    >>> from pathlib import Path
    >>> from trialdesk.analysis.dataset_io import load_trial_dataset
    >>> data = load_trial_dataset(Path("examples/analysis/NCT07077564.json"))
    >>> analysis = EndpointAnalysis(cutoff=dt.date(2026, 10, 1)).fit(data)
    >>> analysis.orr.n == analysis.n
    True
    """

    def __init__(
        self,
        cutoff: dt.date,
        *,
        ci_type: SurvivalCI = "log-log",
        proportion_ci: ProportionCI = "exact",
        confidence: float = 0.95,
        confirm: bool = True,
        confirmation_days: int = 28,
        min_sd_days: int = 42,
        landmarks_months: Sequence[float] = DEFAULT_LANDMARKS_MONTHS,
        at_risk_months: Sequence[float] = DEFAULT_AT_RISK_MONTHS,
        censoring: CensoringRules | None = None,
    ) -> None:
        if ci_type not in ("log", "log-log"):
            raise AnalysisError(f"ci_type is {ci_type!r}", fix="use 'log' or 'log-log'")
        if proportion_ci not in ("exact", "wilson"):
            raise AnalysisError(f"proportion_ci is {proportion_ci!r}", fix="use 'exact' or 'wilson'")
        if not 0 < confidence < 1:
            raise AnalysisError(f"confidence is {confidence}", fix="give a level between 0 and 1, e.g. 0.95")
        self.cutoff = cutoff
        self.ci_type: SurvivalCI = ci_type
        self.proportion_ci: ProportionCI = proportion_ci
        self.confidence = confidence
        self.confirm = confirm
        self.confirmation_days = confirmation_days
        self.min_sd_days = min_sd_days
        self.landmarks_months = tuple(landmarks_months)
        self.at_risk_months = tuple(at_risk_months)
        self.censoring = censoring or CensoringRules()
        self._results: _Results | None = None

    def fit(self, dataset: TrialDataset) -> EndpointAnalysis:
        """Analyse `dataset` as known at the cut-off; returns self (read the attributes)."""
        seen = dataset_at_cutoff(dataset, self.cutoff)
        if not seen.subjects:
            raise AnalysisError(
                f"no subject of {dataset.trial_id} was enrolled by the cut-off {self.cutoff.isoformat()}",
                fix="choose a later cut-off date",
            )
        subjects = tuple(
            derive_subject_endpoints(
                s,
                cutoff=self.cutoff,
                confirm=self.confirm,
                confirmation_days=self.confirmation_days,
                min_sd_days=self.min_sd_days,
                rules=self.censoring,
            )
            for s in seen.subjects
        )
        self._results = self._summarise(dataset.trial_id, subjects)
        return self

    def _summarise(self, trial_id: str, subjects: tuple[SubjectEndpoints, ...]) -> _Results:
        n = len(subjects)
        counts = Counter(s.best_response.response for s in subjects)
        kind = "confirmed" if self.confirm else "unconfirmed"
        responders = counts[Response.CR] + counts[Response.PR]

        def proportion(name: str, count: int, definition: str) -> BinomialProportion:
            return BinomialProportion.of(
                name, count, n, definition=definition, method=self.proportion_ci, confidence=self.confidence
            )

        dor_times = [s.dor for s in subjects if s.dor is not None]
        treated = [s.time_on_treatment for s in subjects if s.time_on_treatment is not None]
        return _Results(
            trial_id=trial_id,
            subjects=subjects,
            best_response_counts={str(r): counts[r] for r in (Response.CR, Response.PR, Response.SD, Response.PD)}
            | {"NE": counts[Response.NE]},
            orr=proportion(
                "ORR", responders, f"{kind} CR or PR (RECIST 1.1; confirmation ≥ {self.confirmation_days} days)"
            ),
            dcr=proportion(
                "DCR",
                responders + counts[Response.SD],
                f"{kind} CR or PR, or SD ≥ {self.min_sd_days} days after the first dose",
            ),
            pfs=self._km("PFS", [s.pfs for s in subjects], "first dose to PD or death"),
            os=self._km("OS", [s.os for s in subjects], "first dose to death from any cause"),
            dor=self._km("DOR", dor_times, f"responders ({kind}) only: first CR/PR to PD or death"),
            time_on_treatment=self._km("Time on treatment", treated, "first to last dose; ongoing censored"),
            follow_up=self._km(
                "Follow-up (reverse KM)",
                [TimeToEvent(t.origin, t.date, not t.event, "") for s in subjects for t in (s.os,)],
                "first dose to last known alive; deaths censored",
                landmarks=False,
            ),
        )

    def _km(
        self, name: str, times: Sequence[TimeToEvent], definition: str, *, landmarks: bool = True
    ) -> SurvivalEstimate:
        return kaplan_meier(
            [t.days / DAYS_PER_MONTH for t in times],
            [t.event for t in times],
            name=name,
            time_unit="months",
            ci_type=self.ci_type,
            confidence=self.confidence,
            landmarks=self.landmarks_months if landmarks else (),
            at_risk_times=self.at_risk_months if landmarks else (),
            definition=definition,
        )

    @property
    def results(self) -> _Results:
        if self._results is None:
            raise AnalysisError("the analysis has not been fitted", fix="call fit(dataset) first")
        return self._results

    @property
    def n(self) -> int:
        """Subjects enrolled by the cut-off: the analysis population."""
        return len(self.results.subjects)

    @property
    def subjects(self) -> tuple[SubjectEndpoints, ...]:
        return self.results.subjects

    @property
    def orr(self) -> BinomialProportion:
        return self.results.orr

    @property
    def dcr(self) -> BinomialProportion:
        return self.results.dcr

    @property
    def pfs(self) -> SurvivalEstimate:
        return self.results.pfs

    @property
    def os(self) -> SurvivalEstimate:
        return self.results.os

    @property
    def dor(self) -> SurvivalEstimate:
        return self.results.dor

    @property
    def time_on_treatment(self) -> SurvivalEstimate:
        return self.results.time_on_treatment

    @property
    def follow_up(self) -> SurvivalEstimate:
        return self.results.follow_up

    @property
    def best_response_counts(self) -> dict[str, int]:
        return dict(self.results.best_response_counts)

    def __str__(self) -> str:
        r = self.results
        counts = ", ".join(f"{k} {v}" for k, v in r.best_response_counts.items())
        lines = [
            f"{r.trial_id} — endpoint analysis at data cut-off {self.cutoff.isoformat()}",
            f"analysis population: {self.n} subjects enrolled by the cut-off",
            f"best overall response ({'confirmed' if self.confirm else 'unconfirmed'}): {counts}",
            str(r.orr),
            str(r.dcr),
            "",
            str(r.pfs),
            str(r.os),
            str(r.dor),
            str(r.time_on_treatment),
            f"median follow-up (reverse Kaplan–Meier): {_months(r.follow_up.median)}",
            "",
            "censoring rules:",
            *(f"  - {rule}" for rule in self.censoring.describe()),
        ]
        return "\n".join(lines)

    def print_summary(self) -> None:
        """Print the summary (the same text as `str(analysis)`)."""
        print(self)

    def to_dict(self) -> dict[str, Any]:
        r = self.results
        return {
            "trial_id": r.trial_id,
            "cutoff": self.cutoff.isoformat(),
            "n": self.n,
            "settings": {
                "ci_type": self.ci_type,
                "proportion_ci": self.proportion_ci,
                "confidence": self.confidence,
                "confirm": self.confirm,
                "confirmation_days": self.confirmation_days,
                "min_sd_days": self.min_sd_days,
                "landmarks_months": list(self.landmarks_months),
                "censoring": self.censoring.to_dict(),
            },
            "best_response_counts": dict(r.best_response_counts),
            "orr": r.orr.to_dict(),
            "dcr": r.dcr.to_dict(),
            "pfs": r.pfs.to_dict(),
            "os": r.os.to_dict(),
            "dor": r.dor.to_dict(),
            "time_on_treatment": r.time_on_treatment.to_dict(),
            "follow_up": r.follow_up.to_dict(),
            "subjects": [s.to_dict() for s in r.subjects],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _months(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} months"


@dataclass(frozen=True, slots=True)
class _Results:
    trial_id: str
    subjects: tuple[SubjectEndpoints, ...]
    best_response_counts: dict[str, int]
    orr: BinomialProportion
    dcr: BinomialProportion
    pfs: SurvivalEstimate
    os: SurvivalEstimate
    dor: SurvivalEstimate
    time_on_treatment: SurvivalEstimate
    follow_up: SurvivalEstimate
