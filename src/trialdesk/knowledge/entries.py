"""The entries of the knowledge files: drugs, vaccines, labs, histologies, conditions, sites,
attestation topics. Each entry cites where its facts come from."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ID = r"^[a-z][a-z0-9_]*$"


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Drug(Entry):
    """A drug with what the criteria read of it: class, target, ADC payload, half-life,
    CYP3A4 strength."""

    id: str = Field(pattern=_ID)
    name: str
    synonyms: tuple[str, ...] = ()
    classes: frozenset[str] = Field(min_length=1)
    targets: frozenset[str] = frozenset()
    adc: bool = False
    payload: str | None = Field(default=None, description="the ADC's payload molecule")
    payload_class: str | None = Field(default=None, description="the ADC payload's class")
    half_life_hours: float | None = Field(default=None, gt=0)
    half_life_citation: str | None = None
    cyp3a4: Literal["strong_inhibitor", "strong_inducer"] | None = None
    status: Literal["approved", "phase3", "phase2", "phase1", "withdrawn"] = "approved"
    rxnorm: str | None = None
    atc: str | None = None
    citations: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _adc_has_payload(self) -> Drug:
        if self.adc and not self.payload_class:
            raise ValueError(f"drug {self.id}: an ADC needs payload_class")
        if self.half_life_hours is not None and not self.half_life_citation:
            raise ValueError(f"drug {self.id}: half_life_hours needs half_life_citation")
        return self

    @property
    def contains(self) -> frozenset[str]:
        """The classes of what the drug delivers: its own classes and its payload's."""
        if self.payload_class:
            return self.classes | {self.payload_class}
        return self.classes


class Vaccine(Entry):
    id: str = Field(pattern=_ID)
    name: str
    synonyms: tuple[str, ...] = ()
    live: bool
    cvx: tuple[str, ...] = ()
    citations: tuple[str, ...] = Field(min_length=1)


class Lab(Entry):
    """An observation the criteria read: a lab, a vital sign, ECOG, LVEF.

    `units` maps each accepted unit spelling to its factor to `canonical_unit`
    (value in canonical unit = value × factor)."""

    code: str = Field(pattern=_ID)
    name: str
    loinc: tuple[str, ...] = ()
    kind: Literal["quantity", "qualitative", "ordinal"] = "quantity"
    canonical_unit: str | None = None
    units: dict[str, Decimal] = Field(default_factory=dict)
    results: tuple[str, ...] = ()
    plausible: tuple[Decimal, Decimal] | None = Field(
        default=None, description="values outside this range (canonical unit) are impossible"
    )
    citations: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _quantity_has_units(self) -> Lab:
        if self.kind != "qualitative" and not self.canonical_unit:
            raise ValueError(f"lab {self.code}: a {self.kind} needs canonical_unit")
        if self.kind != "qualitative" and self.units.get(self.canonical_unit or "") != 1:
            raise ValueError(f"lab {self.code}: units must list canonical_unit with factor 1")
        if self.kind == "qualitative" and not self.results:
            raise ValueError(f"lab {self.code}: a qualitative lab needs its results")
        return self


class Histology(Entry):
    code: str = Field(pattern=_ID)
    name: str
    family: Literal["nec", "net", "minen", "other"]
    differentiation: Literal["well", "poorly"] | None = None
    grade: Literal["G1", "G2", "G3"] | None = None
    icdo3: str | None = None
    synonyms: tuple[str, ...] = ()
    citations: tuple[str, ...] = Field(min_length=1)


class Concept(Entry):
    """A term of a small vocabulary (condition categories, sites, attestation topics)."""

    code: str = Field(pattern=_ID)
    name: str
    synonyms: tuple[str, ...] = ()
    codes: dict[str, str] = Field(default_factory=dict, description="e.g. {icd10: C34}")
    citations: tuple[str, ...] = Field(min_length=1)
