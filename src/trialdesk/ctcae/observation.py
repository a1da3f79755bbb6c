"""One laboratory value to grade: the row of a lab file (JSON or CSV), with what grading reads.

The JSON Schema of a lab file is `lab_file_json_schema()`; a row carries the subject, the
lab (a trialdesk code such as ``alt`` or a LOINC code such as ``1742-6``), the value and its
unit, the date, and the observation's own reference range. Optional: a baseline value with
its own range (abnormal-baseline rules, creatinine, INR), whether the subject is on
anticoagulation (INR), and serum albumin (to correct total calcium).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LabObservation(BaseModel):
    """One laboratory result of one subject, as a lab file row."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str = Field(min_length=1, description="the subject the value belongs to")
    lab: str = Field(min_length=1, description="trialdesk lab code (e.g. alt, anc) or a LOINC code it lists")
    value: Decimal = Field(ge=0, description="the result, in `unit`")
    unit: str = Field(min_length=1, description="unit of `value`, e.g. U/L, 10^9/L, /uL, g/dL, mmol/L")
    date: dt.date = Field(description="collection date, YYYY-MM-DD")
    reference_low: Decimal | None = Field(default=None, ge=0, description="lower limit of normal (LLN)")
    reference_high: Decimal | None = Field(default=None, gt=0, description="upper limit of normal (ULN)")
    reference_unit: str | None = Field(default=None, description="unit of the reference range; default `unit`")
    baseline_value: Decimal | None = Field(default=None, gt=0, description="the subject's baseline value of this lab")
    baseline_unit: str | None = Field(default=None, description="unit of the baseline; default `unit`")
    baseline_reference_low: Decimal | None = Field(default=None, ge=0, description="LLN of the baseline sample")
    baseline_reference_high: Decimal | None = Field(default=None, gt=0, description="ULN of the baseline sample")
    baseline_reference_unit: str | None = Field(
        default=None, description="unit of the baseline's range; default the baseline's unit"
    )
    on_anticoagulation: bool = Field(default=False, description="INR: the subject is on anticoagulation")
    albumin_value: Decimal | None = Field(default=None, gt=0, description="serum albumin, to correct total calcium")
    albumin_unit: str | None = Field(default=None, description="unit of the albumin: g/dL or g/L")

    @model_validator(mode="after")
    def _consistent(self) -> LabObservation:
        for low, high, name in (
            (self.reference_low, self.reference_high, "reference"),
            (self.baseline_reference_low, self.baseline_reference_high, "baseline_reference"),
        ):
            if low is not None and high is not None and low > high:
                raise ValueError(f"{name}_low is above {name}_high")
        baseline_extras = (self.baseline_unit, self.baseline_reference_low, self.baseline_reference_high)
        if self.baseline_value is None and any(v is not None for v in baseline_extras):
            raise ValueError("baseline unit or range given without baseline_value")
        if (self.albumin_value is None) != (self.albumin_unit is None):
            raise ValueError("albumin_value and albumin_unit go together")
        return self

    @property
    def range_unit(self) -> str:
        return self.reference_unit or self.unit

    @property
    def baseline_in(self) -> str:
        return self.baseline_unit or self.unit

    @property
    def baseline_range_unit(self) -> str:
        return self.baseline_reference_unit or self.baseline_in


class LabFile(BaseModel):
    """A file of laboratory values to grade by CTCAE v5.0 (``trialdesk ctcae LABS.json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="trialdesk CTCAE lab file")

    observations: tuple[LabObservation, ...] = Field(min_length=1)


def lab_file_json_schema() -> dict[str, Any]:
    """The JSON Schema of a lab file (the CSV form has one column per `LabObservation` field)."""
    return LabFile.model_json_schema()
