"""The computable protocol: identity, arm, endpoints, design and every eligibility criterion.

A criterion keeps the verbatim sentence it encodes (`source`) and either one `rule` or
several `readings` where the sources are ambiguous or disagree. Ambiguity is data here,
never a branch in code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ProtocolPart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reading(ProtocolPart):
    """One interpretation of an ambiguous criterion, with where it comes from."""

    label: str
    source: str = Field(description="verbatim text this reading rests on")
    rule: str


class Criterion(ProtocolPart):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["inclusion", "exclusion"]
    title: str
    source: str = Field(description="the verbatim sentence of the seed this criterion encodes")
    context: tuple[str, ...] = Field(default=(), description="other verbatim text the rule reads")
    rule: str | None = None
    readings: tuple[Reading, ...] = ()
    explain: str | None = Field(default=None, description="one plain line for navigators")
    review: tuple[str, ...] = Field(default=(), description="ambiguities written down for the trial team")

    @model_validator(mode="after")
    def _rule_or_readings(self) -> Criterion:
        if (self.rule is None) == (not self.readings):
            raise ValueError(f"criterion {self.id}: give either rule or readings (two or more), not both")
        if self.readings and len(self.readings) < 2:
            raise ValueError(f"criterion {self.id}: readings need at least two alternatives")
        return self


class Source(ProtocolPart):
    key: str
    file: str = Field(description="path of the seed text, relative to the protocol file")
    kind: str


class AgentReading(ProtocolPart):
    drug: str
    label: str
    source: str


class Dose(ProtocolPart):
    amount: Decimal
    unit: Literal["mg/kg", "mg/m2", "mg"]


class Arm(ProtocolPart):
    name: str
    agent: tuple[AgentReading, ...] = Field(min_length=1, description="the drug; readings where sources disagree")
    doses: tuple[Dose, ...] = Field(min_length=1, description="dose levels (more than one: to be settled)")
    route: Literal["intravenous", "oral", "subcutaneous"]
    cycle_days: int = Field(gt=0)
    day_of_cycle: tuple[int, ...] = (1,)
    source: str


class Endpoint(ProtocolPart):
    id: str
    kind: Literal["primary", "secondary"]
    name: str
    definition: str
    source: str
    criteria: Literal["RECIST 1.1", "CTCAE v5.0", "none"] = "RECIST 1.1"
    confirmation_required: bool | None = None
    confirmation_min_days: int | None = None
    minimum_sd_days: int | None = None
    time_frame: str | None = None
    review: tuple[str, ...] = ()


class Protocol(ProtocolPart):
    id: str = Field(pattern=r"^NCT\d{8}$")
    title: str
    sponsor: str
    phase: str
    status: str
    design: str
    target_enrolment: int | None = None
    population: str
    sources: tuple[Source, ...]
    arm: Arm
    endpoints: tuple[Endpoint, ...]
    safety: str | None = None
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    review: tuple[str, ...] = Field(default=(), description="protocol-level questions for the trial team")
