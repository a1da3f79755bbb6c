"""The RECIST 1.1 input: per subject, a baseline and follow-up tumour assessments.

A JSON file looks like this (the CSV form is described in `trialdesk.recist.io`):

    {"subjects": [{
        "id": "S01", "start_date": "2026-01-05",
        "assessments": [
          {"date": "2026-01-02", "visit": "baseline",
           "lesions": [
             {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 32},
             {"id": "T2", "site": "lymph node", "kind": "target", "lymph_node": true, "diameter_mm": 18},
             {"id": "N1", "site": "bone", "kind": "non_target", "status": "present"}]},
          {"date": "2026-03-02", "visit": "week 8",
           "lesions": [
             {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": 20},
             {"id": "T2", "site": "lymph node", "kind": "target", "lymph_node": true, "diameter_mm": null},
             {"id": "N1", "site": "bone", "kind": "non_target", "status": "present"}],
           "new_lesions": [{"site": "lung", "equivocal": true}]}]}]}

The earliest assessment of a subject is its baseline; every later one is a follow-up.
Target lesions carry a measurement: the longest diameter, or for a lymph node the short
axis (RECIST 1.1 §4.2). Write 0 for a target lesion that has disappeared and 5 for one
still present but too small to measure (§4.3.2); `null` means the lesion was not assessed
at that visit. Non-target lesions carry a status; for a lymph node, `absent` means it has
returned to normal size (short axis < 10 mm, §4.3.3).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trialdesk.errors import RecistError

LesionKind = Literal["target", "non_target"]
NonTargetStatus = Literal["present", "absent", "unequivocal_progression", "not_assessed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LesionRecord(_Frozen):
    """One lesion as read at one assessment."""

    id: str = Field(min_length=1, description="the lesion's identifier, the same at every visit")
    site: str = Field(min_length=1, description="organ or site, e.g. liver, lung, lymph node")
    kind: LesionKind
    lymph_node: bool = False
    diameter_mm: Decimal | None = Field(
        default=None,
        ge=0,
        description="target: longest diameter (lymph node: short axis) in mm; 0 = disappeared, "
        "5 = too small to measure, null = not assessed. Non-target: optional, for information",
    )
    status: NonTargetStatus | None = Field(
        default=None,
        description="non-target lesions only: present, absent, unequivocal_progression or not_assessed",
    )

    @model_validator(mode="after")
    def _status_fits_kind(self) -> LesionRecord:
        if self.kind == "target":
            if self.status not in (None, "not_assessed"):
                raise ValueError(
                    f"a target lesion has no status {self.status!r}: its diameter_mm says it all "
                    "(0 = disappeared, null = not assessed)"
                )
            if self.status == "not_assessed" and self.diameter_mm is not None:
                raise ValueError("status not_assessed contradicts diameter_mm; give one or the other")
        elif self.status is None:
            raise ValueError(
                "a non-target lesion needs status: present, absent, unequivocal_progression or not_assessed"
            )
        return self

    @property
    def assessed(self) -> bool:
        if self.kind == "target":
            return self.diameter_mm is not None
        return self.status != "not_assessed"


class NewLesionRecord(_Frozen):
    """A lesion not present at baseline (§4.3.5)."""

    site: str = Field(min_length=1)
    equivocal: bool = Field(
        default=False, description="true while it is not certain to be new malignant disease (e.g. small size)"
    )
    id: str | None = Field(
        default=None,
        description="optional; links the same new lesion across visits (otherwise the site does)",
    )


class AssessmentRecord(_Frozen):
    """One tumour assessment (a visit's imaging): every known lesion and any new ones."""

    date: dt.date
    visit: str = Field(min_length=1)
    lesions: tuple[LesionRecord, ...] = ()
    new_lesions: tuple[NewLesionRecord, ...] = ()

    @model_validator(mode="after")
    def _unique_lesions(self) -> AssessmentRecord:
        seen: set[str] = set()
        for lesion in self.lesions:
            if lesion.id in seen:
                raise ValueError(f"lesion {lesion.id!r} is listed twice")
            seen.add(lesion.id)
        return self

    def lesion(self, lesion_id: str) -> LesionRecord | None:
        return next((item for item in self.lesions if item.id == lesion_id), None)


class SubjectRecord(_Frozen):
    """A subject: the first dose and every tumour assessment, baseline first by date."""

    id: str = Field(min_length=1)
    start_date: dt.date = Field(description="first dose of study treatment")
    assessments: tuple[AssessmentRecord, ...] = Field(min_length=1)

    @field_validator("assessments")
    @classmethod
    def _in_date_order(cls, assessments: tuple[AssessmentRecord, ...]) -> tuple[AssessmentRecord, ...]:
        dates = [a.date for a in assessments]
        if len(set(dates)) != len(dates):
            raise ValueError("two assessments share a date; merge them into one")
        return tuple(sorted(assessments, key=lambda a: a.date))

    @property
    def baseline(self) -> AssessmentRecord:
        return self.assessments[0]

    @property
    def follow_ups(self) -> tuple[AssessmentRecord, ...]:
        return self.assessments[1:]


class RecistInput(_Frozen):
    """A file of subjects to assess by RECIST 1.1."""

    subjects: tuple[SubjectRecord, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_subjects(self) -> RecistInput:
        ids = [s.id for s in self.subjects]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"subject id(s) listed twice: {', '.join(duplicated)}")
        return self


def where(subject: SubjectRecord, assessment: AssessmentRecord | None = None, field: str = "") -> str:
    """'subject S01, visit week 8 (2026-03-02), lesion T2.diameter_mm' — the place of a fault."""
    text = f"subject {subject.id}"
    if assessment is not None:
        text += f", visit {assessment.visit} ({assessment.date.isoformat()})"
    return f"{text}, {field}" if field else text


def check_subject_record(subject: SubjectRecord) -> None:
    """Raise RecistError unless the follow-ups describe the baseline's lesions consistently.

    1. The baseline (the earliest assessment) lists no new lesions: new means "not there
       at baseline" (RECIST 1.1 §4.3.5).
    2. A non-target lesion is `present` at baseline: it is recorded because it is there (§4.2).
    3. Every follow-up is after the first dose.
    4. A lesion at a follow-up is one recorded at baseline, with the same kind, lymph-node
       flag and site: target and non-target lesions are chosen once, at baseline, and
       followed as such (§4.2); a lesion not seen before is a new lesion (§4.3.5).
    """
    baseline = subject.baseline
    if baseline.new_lesions:
        raise RecistError(
            f"{where(subject, baseline, 'new_lesions')}: the baseline cannot have new lesions",
            fix="record every lesion present at baseline under lesions (as target or non_target)",
        )
    for lesion in baseline.lesions:
        if lesion.kind == "non_target" and lesion.status != "present":
            raise RecistError(
                f"{where(subject, baseline, f'lesion {lesion.id}.status')}: a baseline non-target lesion is "
                f"recorded because it is present, not {lesion.status!r}",
                fix="set status to present, or leave the lesion out of the baseline",
            )
    for assessment in subject.follow_ups:
        if assessment.date <= subject.start_date:
            raise RecistError(
                f"{where(subject, assessment, 'date')}: a follow-up must come after start_date "
                f"{subject.start_date.isoformat()}; only the earliest assessment is the baseline",
                fix="correct the date or the start_date",
            )
        for lesion in assessment.lesions:
            _check_same_lesion(subject, assessment, lesion, baseline.lesion(lesion.id))


def _check_same_lesion(
    subject: SubjectRecord, assessment: AssessmentRecord, lesion: LesionRecord, first: LesionRecord | None
) -> None:
    if first is None:
        known = ", ".join(item.id for item in subject.baseline.lesions) or "none"
        raise RecistError(
            f"{where(subject, assessment, f'lesion {lesion.id}.id')}: not recorded at baseline (baseline lesions: {known})",
            fix="correct the id, or record a lesion that appeared after baseline under new_lesions",
        )
    for field in ("kind", "lymph_node", "site"):
        if getattr(lesion, field) != getattr(first, field):
            raise RecistError(
                f"{where(subject, assessment, f'lesion {lesion.id}.{field}')}: {getattr(lesion, field)!r} differs "
                f"from the baseline's {getattr(first, field)!r}",
                fix="a lesion keeps the kind, lymph-node flag and site it was given at baseline (RECIST 1.1 §4.2)",
            )
