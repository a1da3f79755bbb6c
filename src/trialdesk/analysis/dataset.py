"""The trial dataset the endpoint analyses read: one record per enrolled subject.

JSON follows `TrialDataset` (`trial_dataset_schema()` gives its JSON Schema):

    {"trial_id": "NCT07077564",
     "subjects": [{"subject_id": "001", "enrolment_date": "2026-01-05",
                   "first_dose_date": "2026-01-07", "last_dose_date": "2026-06-30",
                   "assessments": [{"date": "2026-03-02", "response": "PR"}],
                   "death_date": null, "last_known_alive_date": "2026-09-01",
                   "end_of_treatment_date": "2026-07-02", "end_of_treatment_reason": "progression",
                   "subsequent_therapy_date": null}]}

`assessments` are the RECIST 1.1 time-point (overall) responses after baseline: CR, PR,
SD, PD or NE (§4.4.1, Table 1), one per assessment date.

Two optional fields feed the report:
- `screened` (dataset level): patients screened, counted at the dataset's snapshot — the
  top box of the CONSORT-style flow. Omitted, the report says it was not recorded.
- `lesion_measurements` (subject level): the RECIST 1.1 lesion reads, baseline first, in
  the `trialdesk.recist` assessment form (`{"date", "visit", "lesions": [{"id", "site",
  "kind", "diameter_mm"}, ...], "new_lesions": [...]}`). The waterfall and spider plots
  need them; each follow-up read must have its time-point response under `assessments`.

The same dataset has a CSV form, the shape of an EDC (REDCap, ...) export: an
assessments CSV (one row per time-point response, the subject's columns repeated), an
optional lesions CSV beside it (one row per lesion per read, keyed by subject_id and
assessment_date), and the dataset-level trial id and screened count given as options.
`trialdesk.analysis.dataset_io` reads and writes it and documents its columns;
`load_trial_dataset` there loads either form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialdesk.errors import AnalysisError, validation_fix
from trialdesk.recist.record import AssessmentRecord

TimePointCategory = Literal["CR", "PR", "SD", "PD", "NE"]
TIME_POINT_CATEGORIES: tuple[TimePointCategory, ...] = ("CR", "PR", "SD", "PD", "NE")
_REFERENCE = "trialdesk.analysis.dataset and examples/analysis/NCT07077564.json"


class TimePointAssessment(BaseModel):
    """One tumour assessment: its date and the RECIST 1.1 overall time-point response."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    response: TimePointCategory


class TrialSubject(BaseModel):
    """One enrolled subject. Dates are calendar dates; None means not (yet) happened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str = Field(min_length=1)
    enrolment_date: dt.date
    first_dose_date: dt.date | None = None
    last_dose_date: dt.date | None = None
    assessments: tuple[TimePointAssessment, ...] = ()
    death_date: dt.date | None = None
    last_known_alive_date: dt.date
    end_of_treatment_date: dt.date | None = None
    end_of_treatment_reason: str | None = None
    subsequent_therapy_date: dt.date | None = None
    lesion_measurements: tuple[AssessmentRecord, ...] = Field(
        default=(),
        description="optional RECIST 1.1 lesion reads, baseline (the earliest) first; every later read "
        "needs its time-point response under assessments",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> TrialSubject:
        def before(earlier: str, later: str) -> None:
            a, b = getattr(self, earlier), getattr(self, later)
            if a is not None and b is not None and b < a:
                raise ValueError(f"{later} {b.isoformat()} is before {earlier} {a.isoformat()}")

        before("enrolment_date", "first_dose_date")
        before("first_dose_date", "last_dose_date")
        before("enrolment_date", "death_date")
        before("enrolment_date", "last_known_alive_date")
        before("last_known_alive_date", "death_date")
        if self.last_dose_date is not None and self.first_dose_date is None:
            raise ValueError("last_dose_date is given without first_dose_date")
        dates = [a.date for a in self.assessments]
        if len(set(dates)) != len(dates):
            raise ValueError("two assessments share a date: give one time-point response per date")
        if any(d < self.enrolment_date for d in dates):
            raise ValueError("an assessment is dated before enrolment_date")
        self._lesion_reads_match(set(dates))
        return self

    def _lesion_reads_match(self, response_dates: set[dt.date]) -> None:
        reads = sorted(r.date for r in self.lesion_measurements)
        if len(set(reads)) != len(reads):
            raise ValueError("lesion_measurements: two reads share a date: merge them into one")
        # the earliest read is the baseline; every later one is a follow-up with a response
        unmatched = [d.isoformat() for d in reads[1:] if d not in response_dates]
        if unmatched:
            raise ValueError(
                f"lesion_measurements: the read(s) of {', '.join(unmatched)} have no time-point response "
                "under assessments: add the response of that date, or remove the read"
            )

    @property
    def start_date(self) -> dt.date:
        """The first dose, or enrolment for a subject never dosed."""
        return self.first_dose_date or self.enrolment_date


class TrialDataset(BaseModel):
    """A trial's subjects, as recorded (before any data cut-off)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trial_id: str = Field(min_length=1)
    screened: int | None = Field(
        default=None, ge=0, description="optional: patients screened (all consented), at the dataset's snapshot"
    )
    subjects: tuple[TrialSubject, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> TrialDataset:
        seen: set[str] = set()
        for subject in self.subjects:
            if subject.subject_id in seen:
                raise ValueError(f"subject_id {subject.subject_id!r} appears twice")
            seen.add(subject.subject_id)
        if self.screened is not None and self.screened < len(self.subjects):
            raise ValueError(
                f"screened is {self.screened} but {len(self.subjects)} subjects are enrolled: "
                "count every screened patient, the enrolled included"
            )
        return self


def trial_dataset_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON dataset (pydantic's, from `TrialDataset`)."""
    return TrialDataset.model_json_schema()


Loc = tuple[int | str, ...]


def trial_dataset_from_data(
    data: Any, *, source: str = "input", lines: Mapping[Loc, str] | None = None
) -> TrialDataset:
    """Validate parsed JSON into a TrialDataset; the first error names subject and field.

    `lines` maps a location in `data` (e.g. `("subjects", 3, "assessments", 0)`) to where
    it was read ("trial.csv line 7"): the CSV reader passes it so the error names the line.
    """
    try:
        return TrialDataset.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise AnalysisError(
            f"{_line_of(loc, lines or {}) or source}: {_place(data, loc)}: {first['msg']}",
            fix=validation_fix(first["type"], _REFERENCE),
        ) from None


def _line_of(loc: Loc, lines: Mapping[Loc, str]) -> str | None:
    """The line of the innermost located part of `loc`."""
    for size in range(len(loc), 0, -1):
        if loc[:size] in lines:
            return lines[loc[:size]]
    return None


def _place(data: Any, loc: tuple[int | str, ...]) -> str:
    """'subject 007, assessments[2].response' for a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "subjects" and isinstance(loc[1], int):
        subjects = data.get("subjects") if isinstance(data, dict) else None
        item = subjects[loc[1]] if isinstance(subjects, list) and loc[1] < len(subjects) else None
        name = item.get("subject_id") if isinstance(item, dict) else None
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:]).lstrip(".")
        return f"subject {name or f'#{loc[1] + 1}'}" + (f", {field}" if field else "")
    return ".".join(str(p) for p in loc) or "the file"


def subject_at_cutoff(subject: TrialSubject, cutoff: dt.date) -> TrialSubject | None:
    """What was known of a subject on the data cut-off date; None if enrolled after it.

    1. Assessments, death, subsequent therapy and end of treatment dated after the
       cut-off are not seen.
    2. A first dose after the cut-off is not seen (the subject was not yet treated);
       a last dose after it means treatment was ongoing: last dose not seen.
    3. The last known alive date is capped at the cut-off.
    """
    if subject.enrolment_date > cutoff:
        return None

    def seen(value: dt.date | None) -> dt.date | None:
        return value if value is not None and value <= cutoff else None

    first_dose = seen(subject.first_dose_date)
    eot = seen(subject.end_of_treatment_date)
    return subject.model_copy(
        update={
            "first_dose_date": first_dose,
            "last_dose_date": seen(subject.last_dose_date) if first_dose else None,
            "assessments": tuple(a for a in subject.assessments if a.date <= cutoff),
            "death_date": seen(subject.death_date),
            "last_known_alive_date": min(subject.last_known_alive_date, cutoff),
            "end_of_treatment_date": eot,
            "end_of_treatment_reason": subject.end_of_treatment_reason if eot else None,
            "subsequent_therapy_date": seen(subject.subsequent_therapy_date),
            "lesion_measurements": tuple(r for r in subject.lesion_measurements if r.date <= cutoff),
        }
    )


def dataset_at_cutoff(dataset: TrialDataset, cutoff: dt.date) -> TrialDataset:
    """The dataset as of `cutoff` (see `subject_at_cutoff`); subjects enrolled later dropped."""
    kept = (subject_at_cutoff(s, cutoff) for s in dataset.subjects)
    subjects = tuple(s for s in kept if s is not None)
    return dataset.model_copy(update={"subjects": subjects})
