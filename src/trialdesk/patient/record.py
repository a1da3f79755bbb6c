"""The patient record: every fact either seed trial's criteria read, flat enough to write by
hand, shaped after FHIR R4 / mCODE.

Absence is explicit. A list section (`history`, `therapies`, ...) is a `Section` that says
whether it was reviewed: a `complete` section with no ILD entry is evidence of "no ILD";
a section never collected is not. A single item can also state a documented absence
(`present: false`, FHIR's verificationStatus = refuted): "no history of ILD".
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal["1"] = "1"


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# A documented absence ("no history of ILD") names what is absent and nothing else: a
# qualifier on it (an onset date, a grade) would make it deny less than it says.
_DENIAL_FIELDS = frozenset({"category", "subtype", "site", "type", "present", "note", "description"})


def _plain_denial(item: BaseModel) -> None:
    if getattr(item, "present", True) is False:
        extra = sorted(name for name in item.model_fields_set - _DENIAL_FIELDS if getattr(item, name) is not None)
        if extra:
            raise ValueError(
                f"a documented absence (present: false) names only what is absent; remove {', '.join(extra)}"
            )


T = TypeVar("T", bound=Fact)


class Section(Fact, Generic[T]):
    """A list of facts and whether the list is known to be complete.

    `complete: true` says the source was reviewed on `reviewed_on` and everything found is
    listed: what is not listed is absent. `complete: false` (the default, and what an
    omitted section means) says nothing about what is not listed."""

    complete: bool = False
    reviewed_on: date | None = None
    reviewed_by: str | None = None
    items: tuple[T, ...] = ()

    @model_validator(mode="after")
    def _complete_needs_date(self) -> Section[T]:
        if self.complete and self.reviewed_on is None:
            raise ValueError("a complete section needs reviewed_on (the date it was reviewed)")
        return self


# -- demographics and reproduction --------------------------------------------------------
class Reproductive(Fact):
    """Childbearing potential, pregnancy and lactation, as assessed on `assessed_on`."""

    childbearing_potential: bool | None = None
    pregnant: bool | None = None
    lactating: bool | None = None
    fertile_partner: bool | None = Field(
        default=None, description="for a male patient: has a partner of childbearing potential"
    )
    assessed_on: date | None = None


# -- cancer -------------------------------------------------------------------------------
class Diagnosis(Fact):
    """A cancer diagnosis (mCODE PrimaryCancerCondition)."""

    histology: str = Field(description="histology code from knowledge histology.yaml")
    primary_site: str | None = Field(default=None, description="site code (vocabulary sites)")
    differentiation: Literal["well", "poorly"] | None = None
    who_grade: Literal["G1", "G2", "G3"] | None = None
    ki67_percent: Decimal | None = Field(default=None, ge=0, le=100)
    ne_component_percent: Decimal | None = Field(
        default=None, ge=0, le=100, description="neuroendocrine component of a MiNEN"
    )
    confirmation: Literal["histologic", "cytologic"] | None = None
    diagnosed_on: date | None = None
    stage: Literal["localised", "locally_advanced", "metastatic"] | None = None


class Metastasis(Fact):
    """A metastatic site (mCODE SecondaryCancerCondition); the brain fields matter for CNS
    criteria. Leptomeningeal disease is site `meninges`."""

    site: str
    present: bool = True
    diagnosed_on: date | None = None
    treated: bool | None = None
    treated_on: date | None = None
    stable_since: date | None = Field(default=None, description="stable on imaging since")
    steroids: bool | None = Field(default=None, description="ever on steroids for this site")
    on_steroids: bool | None = Field(default=None, description="on steroids now")
    steroids_stopped_on: date | None = None
    symptomatic: bool | None = None

    @model_validator(mode="after")
    def _absence_is_plain(self) -> Metastasis:
        _plain_denial(self)
        return self


class TherapyLine(Fact):
    """A line of systemic anti-cancer therapy."""

    line: int | None = Field(default=None, ge=1)
    agents: tuple[str, ...] = Field(min_length=1, description="drug names, synonyms or code names")
    setting: Literal["neoadjuvant", "adjuvant", "advanced", "maintenance"] | None = None
    first_dose: date | None = None
    last_dose: date | None = None
    ongoing: bool = False
    best_response: Literal["CR", "PR", "SD", "PD", "NE"] | None = None
    progressed: bool | None = None
    progression_on: date | None = None
    progression_evidence: (
        tuple[Literal["imaging", "pathology", "laboratory", "physical_exam", "symptoms"], ...] | None
    ) = Field(
        default=None, description="what the progression was documented by (mCODE CancerDiseaseStatus evidence type)"
    )
    radiological_progression: bool | None = Field(
        default=None,
        description="progression documented on imaging; unknown (not false) when only clinical, laboratory or "
        "pathological evidence is recorded",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> TherapyLine:
        if self.first_dose and self.last_dose and self.last_dose < self.first_dose:
            raise ValueError("last_dose is before first_dose")
        if self.progression_on is not None and self.progressed is False:
            raise ValueError("progression_on is given but progressed is false")
        if self.progressed is False and (self.progression_evidence or self.radiological_progression):
            raise ValueError("progression evidence is given but progressed is false")
        if self.radiological_progression is False and "imaging" in (self.progression_evidence or ()):
            raise ValueError("progression_evidence names imaging but radiological_progression is false")
        return self


class Medication(Fact):
    """A concomitant medication."""

    agent: str
    route: (
        Literal["oral", "intravenous", "subcutaneous", "intramuscular", "topical", "inhaled", "ophthalmic", "other"]
        | None
    ) = None
    start: date | None = None
    stop: date | None = None
    ongoing: bool | None = None
    planned: bool = Field(default=False, description="required or planned during the study")
    indication: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _stopped_is_not_ongoing(cls, data: Any) -> Any:
        # a stop date says the medication is not ongoing; only an open course is unknown
        if isinstance(data, dict) and data.get("stop") and data.get("ongoing") is None:
            return {**data, "ongoing": False}
        return data


class Procedure(Fact):
    """Surgery, biopsy, radiotherapy, drainage, transfusion, growth factor support."""

    type: Literal["surgery", "biopsy", "radiotherapy", "drainage", "transfusion", "growth_factor", "local_therapy"]
    present: bool = True
    performed_on: date | None = None
    ended_on: date | None = None
    major: bool | None = None
    open: bool | None = Field(default=None, description="biopsy: open (surgical) rather than needle")
    site: str | None = None
    intent: Literal["curative", "palliative", "diagnostic", "therapeutic"] | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _absence_is_plain(self) -> Procedure:
        _plain_denial(self)
        return self


class Condition(Fact):
    """A condition or history item. `category` comes from the vocabulary; the qualifiers
    that the criteria read are optional fields."""

    category: str
    present: bool = Field(default=True, description="false: documented absence (refuted)")
    onset: date | None = None
    resolved_on: date | None = None
    status: Literal["active", "resolved"] | None = None
    subtype: str | None = None
    severity: Literal["mild", "moderate", "severe"] | None = None
    grade: int | None = Field(default=None, ge=1, le=5, description="CTCAE grade")
    nyha_class: int | None = Field(default=None, ge=1, le=4)
    controlled: bool | None = None
    refractory: bool | None = None
    clinically_significant: bool | None = None
    symptomatic: bool | None = None
    requires_therapy: bool | None = None
    interventions: (
        tuple[
            Literal[
                "anticoagulation",
                "thrombolysis",
                "thrombectomy",
                "stent",
                "surgery",
                "ivc_filter",
                "drainage",
                "transfusion",
                "endoscopic",
                "embolisation",
                "none",
            ],
            ...,
        ]
        | None
    ) = None
    curable: bool | None = None
    infectious: bool | None = None
    explained: bool | None = None
    in_situ: bool | None = None
    major: bool | None = None
    treatment: Literal["curative", "palliative", "none"] | None = None
    treatment_ended_on: date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _absence_is_plain(self) -> Condition:
        _plain_denial(self)
        return self


class AdverseEvent(Fact):
    """An adverse event of prior anti-cancer therapy.

    Give its CTCAE v5.0 `grade`, or, for a laboratory toxicity, the `lab` value that shows
    it (with the lab's reference range): the screening grades it by CTCAE v5.0 and records
    how in `graded_by`."""

    term: str
    grade: int | None = Field(default=None, ge=0, le=5, description="CTCAE v5.0 grade")
    lab: Observation | None = Field(default=None, description="the lab value to grade by CTCAE v5.0")
    graded_by: str | None = Field(default=None, description="set by trialdesk: how the grade was derived")
    onset: date | None = None
    resolved_on: date | None = None
    resolved: bool | None = None

    @model_validator(mode="after")
    def _grade_or_lab(self) -> AdverseEvent:
        if self.grade is None and self.lab is None:
            raise ValueError("an adverse event needs its CTCAE grade or the lab value to grade")
        return self


class Vaccination(Fact):
    vaccine: str
    date: dt.date | None = None
    planned: bool = False
    live: bool | None = Field(default=None, description="only for a vaccine not in the knowledge base")


class ReferenceRange(Fact):
    """The lab's own reference range, in `unit` (the observation's unit when omitted)."""

    low: Decimal | None = None
    high: Decimal | None = None
    unit: str | None = None


class Observation(Fact):
    """A lab value, vital sign, ECOG score or LVEF: code, value, unit, date, reference range."""

    code: str = Field(description="trialdesk lab code or LOINC code (labs.yaml)")
    value: Decimal | None = None
    unit: str | None = None
    result: str | None = Field(default=None, description="qualitative result, e.g. negative")
    date: dt.date
    reference_range: ReferenceRange | None = None
    method: str | None = Field(default=None, description="e.g. echocardiography for LVEF")

    @model_validator(mode="after")
    def _has_a_result(self) -> Observation:
        if self.value is None and self.result is None:
            raise ValueError("an observation needs a value (with unit) or a result")
        if self.value is not None and not self.unit:
            raise ValueError("a value needs its unit")
        return self


class Lesion(Fact):
    """A baseline tumour lesion for RECIST 1.1."""

    id: str
    site: str
    lymph_node: bool = False
    longest_diameter_mm: Decimal | None = Field(default=None, gt=0)
    short_axis_mm: Decimal | None = Field(default=None, gt=0)
    measured_on: date | None = None
    method: Literal["ct", "mri", "pet_ct", "x_ray", "clinical"] | None = None
    prior_local_therapy: bool | None = Field(default=None, description="radiotherapy or other local therapy")
    progression_since_local_therapy: bool | None = None


class Specimen(Fact):
    type: Literal["biopsy", "resection", "cytology", "fresh_biopsy"]
    ffpe: bool | None = None
    collected_on: date | None = None
    available: bool | None = None
    planned: bool = False


class Attestation(Fact):
    """What a person states: consent, life expectancy, investigator judgement."""

    topic: str
    value: bool = True
    quantity: Decimal | None = None
    unit: Literal["days", "weeks", "months", "years"] | None = None
    by: str
    role: Literal["patient", "investigator", "coordinator", "navigator"] | None = None
    on: date


AdverseEvent.model_rebuild()


class Patient(Fact):
    """One patient's screening record."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    id: str
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    birth_date: date | None = None
    reproductive: Reproductive = Reproductive()
    diagnoses: Section[Diagnosis] = Section[Diagnosis]()
    metastases: Section[Metastasis] = Section[Metastasis]()
    therapies: Section[TherapyLine] = Section[TherapyLine]()
    medications: Section[Medication] = Section[Medication]()
    procedures: Section[Procedure] = Section[Procedure]()
    history: Section[Condition] = Section[Condition]()
    adverse_events: Section[AdverseEvent] = Section[AdverseEvent]()
    vaccinations: Section[Vaccination] = Section[Vaccination]()
    observations: tuple[Observation, ...] = ()
    lesions: Section[Lesion] = Section[Lesion]()
    specimens: Section[Specimen] = Section[Specimen]()
    attestations: tuple[Attestation, ...] = ()
