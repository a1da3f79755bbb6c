"""CTCAE v5.0 laboratory criteria as data: the models of ``data/ctcae_v5_labs.yaml`` and its loader.

A term (e.g. "Alanine aminotransferase increased") has one or more grading *schemes*; a
scheme is a ladder of *steps*, one per grade, each a limit the value must fall below
(decreased terms) or rise above (increased terms). Limits are either a reference (LLN, ULN
or the baseline value) times a factor, or an absolute value given in every unit CTCAE gives
it in. Adding a term or correcting a band is a data change; nothing here names a term.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialdesk.errors import CtcaeError
from trialdesk.knowledge.base import Knowledge

DEFAULT_CRITERIA = Path(__file__).parent / "data" / "ctcae_v5_labs.yaml"

Direction = Literal["decreased", "increased"]
Reference = Literal["LLN", "ULN", "baseline"]
# When a scheme applies to an observation; see `grade.scheme_applies`.
Applies = Literal[
    "always",
    "baseline_normal",  # no baseline given, or the baseline is within its own reference range
    "baseline_abnormal",  # the baseline is beyond its own reference range in the term's direction
    "baseline_given",
    "on_anticoagulation",
    "not_on_anticoagulation",
]
# What value the ladder reads: the value as reported, or total calcium corrected for albumin.
Measure = Literal["as_reported", "albumin_corrected"]


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClinicalReading(_Entry):
    """A grade that a clinical fact, which no laboratory value carries, would give instead."""

    grade: int = Field(ge=1, le=4)
    condition: str = Field(min_length=1)


class Step(_Entry):
    """One grade's limit: the band of grade g starts at this limit and runs to the next step's."""

    grade: int = Field(ge=1, le=4)
    reference: Reference | None = None
    times: Decimal = Field(default=Decimal(1), gt=0)
    values: dict[str, Decimal] | None = None
    inclusive: bool = False
    band: str | None = Field(default=None, description="CTCAE's own wording of the band, when not '<a–b'")
    condition: str | None = Field(default=None, description="the clinical wording of this grade, if any")
    also: tuple[ClinicalReading, ...] = ()

    @model_validator(mode="after")
    def _one_kind_of_limit(self) -> Step:
        if (self.reference is None) == (self.values is None):
            raise ValueError(f"grade {self.grade}: give either reference or values, not both")
        if self.values is not None and self.times != 1:
            raise ValueError(f"grade {self.grade}: times applies to a reference, not to absolute values")
        if any(r.grade <= self.grade for r in self.also):
            raise ValueError(f"grade {self.grade}: `also` must name a higher grade")
        return self


class Scheme(_Entry):
    """A grading ladder and when it applies."""

    name: str
    applies: Applies = "always"
    lab: str | None = Field(default=None, description="the lab this scheme grades, when the term reads two")
    measure: Measure = "as_reported"
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ladder_is_ordered(self) -> Scheme:
        grades = [s.grade for s in self.steps]
        if grades != sorted(set(grades)):
            raise ValueError(f"scheme {self.name!r}: steps must be in increasing grade, one per grade")
        unit_sets = {frozenset(s.values) for s in self.steps if s.values is not None}
        if len(unit_sets) > 1:
            raise ValueError(f"scheme {self.name!r}: every absolute step must give the same units")
        return self

    @property
    def units(self) -> tuple[str, ...]:
        """The units CTCAE gives this scheme's absolute limits in (empty for a reference ladder)."""
        for step in self.steps:
            if step.values is not None:
                return tuple(step.values)
        return ()


class Term(_Entry):
    """A CTCAE v5.0 term graded from a laboratory value."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    term: str
    meddra: str = Field(pattern=r"^\d{8}$", description="MedDRA v20.1 LLT code")
    soc: str
    label: str = Field(description="short name of the analyte in explanations, e.g. ALT")
    labs: tuple[str, ...] = Field(min_length=1)
    direction: Direction
    citation: str = Field(min_length=1)
    schemes: tuple[Scheme, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _scheme_labs_are_term_labs(self) -> Term:
        for scheme in self.schemes:
            if scheme.lab is not None and scheme.lab not in self.labs:
                raise ValueError(f"scheme {scheme.name!r} grades lab {scheme.lab}, which the term does not list")
        return self


class _CriteriaFile(_Entry):
    source: str
    unit_labels: dict[str, str] = Field(default_factory=dict)
    terms: tuple[Term, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CtcaeCriteria:
    """Every laboratory term, indexed by the lab it reads."""

    source: str
    terms: tuple[Term, ...]
    unit_labels: Mapping[str, str] = field(default_factory=dict)
    _by_lab: Mapping[str, tuple[Term, ...]] = field(default_factory=dict, repr=False)

    def terms_for_lab(self, lab_code: str) -> tuple[Term, ...]:
        """The terms that grade a lab (a trialdesk lab code), in file order."""
        return self._by_lab.get(lab_code, ())

    def term(self, name: str) -> Term:
        """A term by its CTCAE name (case ignored) or its id."""
        for term in self.terms:
            if name.casefold() in (term.term.casefold(), term.id):
                return term
        raise CtcaeError(
            f"no CTCAE v5.0 laboratory term {name!r}", field="term", fix="use a term of ctcae_v5_labs.yaml"
        )

    def unit_label(self, unit: str) -> str:
        return self.unit_labels.get(unit, unit)


def _check_against_knowledge(term: Term, knowledge: Knowledge, where: str) -> None:
    for lab_code in term.labs:
        if lab_code not in knowledge.labs:
            raise CtcaeError(f"{where}: lab {lab_code!r} is not in labs.yaml", field="labs")
    for scheme in term.schemes:
        for lab_code in (scheme.lab,) if scheme.lab else term.labs:
            for unit in scheme.units:
                if knowledge.unit_factor(lab_code, unit) is None:
                    raise CtcaeError(
                        f"{where}: scheme {scheme.name!r} gives limits in {unit!r}, not a unit of lab {lab_code}",
                        field="values",
                    )
            _check_limits_ordered(term, scheme, where)


def _check_limits_ordered(term: Term, scheme: Scheme, where: str) -> None:
    """Limits of one kind must move away from normal as the grade rises (a typo guard)."""
    rising = term.direction == "increased"
    for unit in scheme.units:
        limits = [s.values[unit] for s in scheme.steps if s.values is not None]
        if limits != sorted(limits, reverse=not rising) or len(set(limits)) != len(limits):
            raise CtcaeError(f"{where}: scheme {scheme.name!r}: limits in {unit} are out of order", field="values")
    for reference in ("LLN", "ULN", "baseline"):
        multiples = [s.times for s in scheme.steps if s.reference == reference]
        if multiples != sorted(multiples, reverse=not rising) or len(set(multiples)) != len(multiples):
            raise CtcaeError(
                f"{where}: scheme {scheme.name!r}: multiples of {reference} are out of order", field="times"
            )


def load_ctcae_criteria(knowledge: Knowledge, path: Path = DEFAULT_CRITERIA) -> CtcaeCriteria:
    """Load and validate the CTCAE v5.0 laboratory criteria against the knowledge base.

    1. Parse the YAML and validate every term, scheme and step (models above).
    2. Check each lab a term reads is in ``labs.yaml`` and each unit a limit is given in
       converts for that lab.
    3. Check limits move away from normal as the grade rises.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> criteria = load_ctcae_criteria(load_knowledge())
    >>> [t.term for t in criteria.terms_for_lab("potassium")]
    ['Hypokalemia', 'Hyperkalemia']
    """
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise CtcaeError(f"{path.name}: cannot read the criteria: {exc}") from exc
    try:
        parsed = _CriteriaFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CtcaeError(
            f"{path.name}: {first['msg']}", field=loc, fix="correct the entry (models in ctcae/criteria.py)"
        ) from None
    by_lab: dict[str, list[Term]] = {}
    ids: set[str] = set()
    for index, term in enumerate(parsed.terms):
        where = f"{path.name}: terms[{index}] ({term.term})"
        if term.id in ids:
            raise CtcaeError(f"{where}: duplicate id {term.id!r}", field="id")
        ids.add(term.id)
        _check_against_knowledge(term, knowledge, where)
        for lab_code in term.labs:
            by_lab.setdefault(lab_code, []).append(term)
    return CtcaeCriteria(
        source=parsed.source,
        terms=parsed.terms,
        unit_labels=dict(parsed.unit_labels),
        _by_lab={lab: tuple(terms) for lab, terms in by_lab.items()},
    )
