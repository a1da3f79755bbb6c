"""The syntax tree of the criteria language: the contract between the parser and every walker.

Three walkers read it and none changes it: `evaluate` (one patient, three-valued, with
evidence), `format` (back to canonical text) and a SQL compiler (population
pre-screening). Nodes are frozen, hashable and compare by value, so a parsed rule can be
cached, compared and round-tripped.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal as Lit
from typing import TypeAlias

RefDate: TypeAlias = Lit["first_dose", "as_of"]
TimeUnit: TypeAlias = Lit["hours", "days", "weeks", "months", "years"]
Comparator: TypeAlias = Lit["<", "<=", ">", ">=", "=", "!="]
Relation: TypeAlias = Lit["within", "at_least", "more_than"]

# The collections a quantifier ranges over, each a section of the patient record.
COLLECTIONS: dict[str, str] = {
    "diagnosis": "diagnoses",
    "metastasis": "metastases",
    "therapy": "therapies",
    "medication": "medications",
    "procedure": "procedures",
    "condition": "history",
    "adverse_event": "adverse_events",
    "vaccination": "vaccinations",
    "lesion": "lesions",
    "specimen": "specimens",
}


# -- durations and windows ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Span:
    """A fixed duration: `14 days`, `3 months`, `72 hours`."""

    amount: int
    unit: TimeUnit


@dataclass(frozen=True, slots=True)
class HalfLives:
    """`5 half_lives`: a multiple of the elimination half-life of the item's agent(s)."""

    factor: Decimal


@dataclass(frozen=True, slots=True)
class ShorterOf:
    """`shorter_of(3 weeks, 5 half_lives)`: the shorter of two durations."""

    first: Duration
    second: Duration


Duration: TypeAlias = Span | HalfLives | ShorterOf


@dataclass(frozen=True, slots=True)
class Window:
    """`within 14 days before first_dose`: ref − duration ≤ date ≤ ref, both ends included."""

    duration: Duration
    ref: RefDate


# -- values (left-hand sides) -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Field:
    """An attribute of the item a quantifier is looking at (`agent.class`, `site`), or of the
    patient (`patient.sex`)."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Age:
    """`age_at(first_dose)`: completed years on the reference date."""

    at: RefDate


@dataclass(frozen=True, slots=True)
class Latest:
    """`latest(alt, within 14 days before first_dose, no support within 14 days, by echocardiography)`:
    the most recent observation of a code in the window. Without a window the screening's
    default window applies and the result says it was assumed. `no support within N` drops
    values measured within N days after a transfusion or growth factor."""

    code: str
    window: Window | None = None
    unsupported_for: Duration | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True)
class CreatinineClearance:
    """`creatinine_clearance(within 14 days before first_dose)`: Cockcroft–Gault, mL/min, from
    the latest creatinine and body weight in the window, age and sex."""

    window: Window | None = None


@dataclass(frozen=True, slots=True)
class AttestationValue:
    """`attestation(life_expectancy)`: the duration or number a person attested."""

    topic: str


Value: TypeAlias = Field | Age | Latest | CreatinineClearance | AttestationValue


# -- bounds (right-hand sides) ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit: `1.5 10^9/L`, `90 g/L`, `18 years`, `2` (a count or score)."""

    value: Decimal
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class LimitMultiple:
    """`2.5 x ULN`: a multiple of the observation's own reference-range limit."""

    factor: Decimal
    limit: Lit["ULN", "LLN"]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A code: `liver`, `positive`, `TROP2`, `topoisomerase_1_inhibitor`."""

    name: str


Bound: TypeAlias = Quantity | LimitMultiple | Symbol


# -- expressions --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Literal:
    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    left: Value
    op: Comparator
    right: Bound


@dataclass(frozen=True, slots=True)
class Between:
    """`age_at(first_dose) between 18 years and 75 years`: both ends included."""

    value: Value
    low: Quantity
    high: Quantity


@dataclass(frozen=True, slots=True)
class Member:
    """`histology in [nec, scnec, lcnec]`."""

    field: Field
    values: tuple[Symbol, ...]


@dataclass(frozen=True, slots=True)
class DateTest:
    """`last_dose within 21 days before first_dose` (ref − d ≤ date ≤ ref),
    `stable_since at least 28 days before first_dose` (date ≤ ref − d),
    `steroids_stopped_on more than 2 weeks before first_dose` (date < ref − d)."""

    field: Field
    relation: Relation
    duration: Duration
    ref: RefDate


@dataclass(frozen=True, slots=True)
class Flag:
    """A yes/no attribute that must be true: `treated`, `agent.is_adc`, `patient.pregnant`."""

    field: Field


@dataclass(frozen=True, slots=True)
class Quantifier:
    """`any(therapy, agent.target = CLDN18_2)` / `none(...)` over a record section.

    With no condition, `any(lesion)` asks whether the section has any item."""

    kind: Lit["any", "none"]
    collection: str
    where: Expr | None


@dataclass(frozen=True, slots=True)
class Attested:
    """`attested(informed_consent)`: a person stated it (true), denied it (false), or the record
    has no such attestation (unknown)."""

    topic: str


Expr: TypeAlias = Literal | Not | And | Or | Compare | Between | Member | DateTest | Flag | Quantifier | Attested
