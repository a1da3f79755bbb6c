"""Grade laboratory values by CTCAE v5.0 (NCI, 27 November 2017), walking bands held as data.

`grade_observation` grades one value for every term that reads its lab (a potassium value
for Hypokalemia and Hyperkalemia); `grade_labs` grades the rows of a lab file. The bands are
in ``data/ctcae_v5_labs.yaml``; this module walks them and explains what decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from trialdesk.ctcae.bands import band_text, format_number, unit_suffix
from trialdesk.ctcae.calcium import corrected_calcium_payne
from trialdesk.ctcae.criteria import CtcaeCriteria, Scheme, Step, Term
from trialdesk.ctcae.observation import LabObservation
from trialdesk.ctcae.result import LAB_VALUE_ALONE, GradeResult, Reading
from trialdesk.errors import CtcaeError, UnitError, UnknownCodeError
from trialdesk.knowledge.base import Knowledge
from trialdesk.knowledge.entries import Lab

_WHAT = {"LLN": "lower limit of normal", "ULN": "upper limit of normal", "baseline": "baseline value"}
_FIELD = {"LLN": "reference_low", "ULN": "reference_high", "baseline": "baseline_value"}

Convert = Callable[[Decimal, str, str, str], Decimal]


def _converter(knowledge: Knowledge, lab_code: str, row: int | None) -> Convert:
    """`knowledge.convert` for one lab, whose unit errors name the input field and row."""

    def convert(value: Decimal, from_unit: str, to_unit: str, field: str) -> Decimal:
        try:
            return knowledge.convert(lab_code, value, from_unit, to_unit)
        except UnitError as exc:
            raise CtcaeError(exc.message, field=field, row=row, fix=exc.fix) from None

    return convert


@dataclass(frozen=True)
class _Quantities:
    """One observation in one scheme's grading unit; references are read only when a step needs them."""

    term: Term
    scheme: Scheme
    observation: LabObservation
    lab: Lab
    unit: str
    value: Decimal
    convert: Convert
    row: int | None

    def reference(self, name: str) -> Decimal:
        """LLN, ULN or the baseline value, in the grading unit; a CtcaeError naming the field when absent."""
        obs = self.observation
        raw, unit, unit_field = {
            "LLN": (obs.reference_low, obs.range_unit, "reference_unit"),
            "ULN": (obs.reference_high, obs.range_unit, "reference_unit"),
            "baseline": (obs.baseline_value, obs.baseline_in, "baseline_unit"),
        }[name]
        if raw is None:
            raise CtcaeError(
                f"{self.term.term} ({self.scheme.name}) needs the {_WHAT[name]} of this {self.lab.name} value",
                field=_FIELD[name],
                row=self.row,
                fix=f"add {_FIELD[name]} to the row; no default range is assumed",
            )
        return self.convert(raw, unit, self.unit, unit_field)

    def limit(self, step: Step) -> Decimal:
        if step.values is not None:
            return step.values[self.unit]
        assert step.reference is not None  # a step has a reference or values (Step validator)
        return self.reference(step.reference) * step.times


@dataclass(frozen=True)
class _SchemeGrade:
    scheme: Scheme
    grade: int
    step: Step | None  # the step whose band holds the value; None for grade 0
    band: str
    explanation: str
    notes: tuple[str, ...]


def _in_band(value: Decimal, limit: Decimal, step: Step, direction: str) -> bool:
    if direction == "decreased":
        return value <= limit if step.inclusive else value < limit
    return value >= limit if step.inclusive else value > limit


def _grading_unit(scheme: Scheme, observation: LabObservation, lab: Lab, knowledge: Knowledge) -> str:
    """The unit the scheme's limits are given in that equals the value's unit, else the first one.

    CTCAE gives some limits in two unit systems whose numbers are not exact conversions of
    each other (hypercalcaemia 11.5 mg/dL vs 2.9 mmol/L): a value is graded on the table of
    its own unit when CTCAE has one (/µL reads the /mm³ table, 10³/µL the 10⁹/L table).
    """
    if not scheme.units:
        return observation.unit
    own = knowledge.unit_factor(lab.code, observation.unit)
    return next((u for u in scheme.units if knowledge.unit_factor(lab.code, u) == own), scheme.units[0])


def _reference_text(q: _Quantities, step: Step) -> str:
    if step.reference is None:
        return ""
    reference = q.reference(step.reference)
    if q.scheme.units or step.reference == "LLN":
        return f" ({step.reference} {format_number(reference)})"
    ratio = format_number(q.value / reference) if reference else "∞"
    return f" = {ratio} × {step.reference} {format_number(reference)}"


def _grade_scheme(
    term: Term,
    scheme: Scheme,
    observation: LabObservation,
    lab: Lab,
    knowledge: Knowledge,
    criteria: CtcaeCriteria,
    row: int | None,
) -> _SchemeGrade:
    """Walk one scheme's steps from the highest grade down; the first band holding the value decides."""
    convert = _converter(knowledge, lab.code, row)
    unit = _grading_unit(scheme, observation, lab, knowledge)
    value = convert(observation.value, observation.unit, unit, "unit")
    label = criteria.unit_label(unit)
    head = f"{term.label} {observation.value}{unit_suffix(criteria.unit_label(observation.unit))}"
    if knowledge.unit_factor(lab.code, unit) != knowledge.unit_factor(lab.code, observation.unit):
        head += f" = {format_number(value)}{unit_suffix(label)}"
    notes: list[str] = []
    if scheme.measure == "albumin_corrected":
        if observation.albumin_value is not None and observation.albumin_unit is not None:
            try:
                value = corrected_calcium_payne(
                    value, unit, observation.albumin_value, observation.albumin_unit, knowledge
                )
            except UnitError as exc:
                raise CtcaeError(exc.message, field="albumin_unit", row=row, fix=exc.fix) from None
            head += f", corrected for albumin {observation.albumin_value} {observation.albumin_unit} (Payne) = {format_number(value)}{unit_suffix(label)}"
        else:
            notes.append("albumin not given: total calcium graded as measured, not corrected for albumin")
    q = _Quantities(term, scheme, observation, lab, unit, value, convert, row)
    for step in reversed(scheme.steps):
        if _in_band(q.value, q.limit(step), step, term.direction):
            band = band_text(term, scheme, step, unit, criteria)
            text = f"{head}{_reference_text(q, step)}; band {band} → grade {step.grade}"
            return _SchemeGrade(scheme, step.grade, step, band, text, tuple(notes))
    first = scheme.steps[0]
    band = band_text(term, scheme, first, unit, criteria)
    text = f"{head}{_reference_text(q, first)}; not in the grade {first.grade} band {band} → grade 0"
    return _SchemeGrade(scheme, 0, None, band, text, tuple(notes))


def baseline_abnormal(term: Term, observation: LabObservation, convert: Convert, row: int | None) -> bool | None:
    """Whether the baseline was abnormal in the term's direction, judged on the baseline's own range.

    None when no baseline is given. A baseline without the needed limit is an error: the
    abnormal-baseline rule cannot be applied or ruled out without it.
    """
    if observation.baseline_value is None:
        return None
    rising = term.direction == "increased"
    limit = observation.baseline_reference_high if rising else observation.baseline_reference_low
    field = "baseline_reference_high" if rising else "baseline_reference_low"
    if limit is None:
        raise CtcaeError(
            f"{term.term}: whether the baseline was abnormal decides the bands, and the baseline's "
            f"{'upper' if rising else 'lower'} limit of normal is missing",
            field=field,
            row=row,
            fix=f"add {field} (the range of the baseline sample), or leave the baseline out",
        )
    limit = convert(limit, observation.baseline_range_unit, observation.baseline_in, "baseline_reference_unit")
    return observation.baseline_value > limit if rising else observation.baseline_value < limit


def scheme_applies(
    scheme: Scheme, lab_code: str, observation: LabObservation, abnormal: Callable[[], bool | None]
) -> bool:
    """Whether a scheme grades this observation (its lab, baseline and anticoagulation)."""
    if scheme.lab is not None and scheme.lab != lab_code:
        return False
    match scheme.applies:
        case "baseline_normal":
            return abnormal() is not True
        case "baseline_abnormal":
            return abnormal() is True
        case "baseline_given":
            return observation.baseline_value is not None
        case "on_anticoagulation":
            return observation.on_anticoagulation
        case "not_on_anticoagulation":
            return not observation.on_anticoagulation
        case _:
            return True


def resolve_lab(observation: LabObservation, knowledge: Knowledge, row: int | None = None) -> Lab:
    """The lab of a row (trialdesk code or LOINC), checked to convert and to be plausible."""
    try:
        lab = knowledge.lab(observation.lab)
    except UnknownCodeError as exc:
        raise CtcaeError(exc.message, field="lab", row=row, fix=exc.fix) from None
    if lab.kind != "quantity" or lab.canonical_unit is None:
        raise CtcaeError(f"{lab.name} is not a quantity CTCAE grades", field="lab", row=row)
    canonical = _converter(knowledge, lab.code, row)(observation.value, observation.unit, lab.canonical_unit, "unit")
    if lab.plausible and not lab.plausible[0] <= canonical <= lab.plausible[1]:
        low, high = lab.plausible
        raise CtcaeError(
            f"{observation.value} {observation.unit} is impossible for {lab.name} "
            f"(plausible {low}–{high} {lab.canonical_unit})",
            field="value",
            row=row,
            fix="check the value and its unit",
        )
    return lab


def grade_term(
    term: Term, observation: LabObservation, knowledge: Knowledge, criteria: CtcaeCriteria, *, row: int | None = None
) -> GradeResult:
    """The CTCAE v5.0 grade of one value for one term (see `grade_observation` for the rule)."""
    lab = resolve_lab(observation, knowledge, row)
    if lab.code not in term.labs:
        raise CtcaeError(f"{term.term} does not read {lab.name}", field="lab", row=row)
    convert = _converter(knowledge, lab.code, row)
    status: list[bool | None] = []

    def abnormal() -> bool | None:
        if not status:
            status.append(baseline_abnormal(term, observation, convert, row))
        return status[0]

    applicable = [s for s in term.schemes if scheme_applies(s, lab.code, observation, abnormal)]
    if not applicable:
        raise CtcaeError(f"no {term.term} scheme applies to this {lab.name} value", field="lab", row=row)
    graded = [_grade_scheme(term, s, observation, lab, knowledge, criteria, row) for s in applicable]
    best = max(graded, key=lambda g: g.grade)  # the first scheme in file order wins a tie
    notes = list(best.notes)
    if status and status[0] is not None:
        side = "above its upper" if term.direction == "increased" else "below its lower"
        state = f"{side} limit of normal" if status[0] else "within its reference range"
        notes.append(f"baseline {observation.baseline_value} {observation.baseline_in} was {state}: {best.scheme.name}")
    if len(graded) > 1:
        notes.append(", ".join(f"{g.scheme.name} → grade {g.grade}" for g in graded) + "; the higher grade counts")
    if best.step is None:
        readings: tuple[Reading, ...] = (Reading(0, LAB_VALUE_ALONE),)
    else:
        own = Reading(best.step.grade, best.step.condition or LAB_VALUE_ALONE)
        readings = (own, *(Reading(r.grade, r.condition) for r in best.step.also))
    return GradeResult(
        subject_id=observation.subject_id,
        date=observation.date,
        row=row,
        lab=lab.code,
        value=observation.value,
        unit=observation.unit,
        term=term.term,
        term_id=term.id,
        meddra_code=term.meddra,
        grade=best.grade,
        band=best.band,
        explanation=best.explanation,
        scheme=best.scheme.name,
        lab_only=len(readings) > 1,
        readings=readings,
        notes=tuple(notes),
    )


def grade_observation(
    observation: LabObservation, knowledge: Knowledge, criteria: CtcaeCriteria, *, row: int | None = None
) -> tuple[GradeResult, ...]:
    """Grade one laboratory value by every CTCAE v5.0 term that reads its lab.

    CTCAE v5.0 (NCI, 27 November 2017), laboratory terms of the SOCs Investigations, Blood
    and lymphatic system disorders, and Metabolism and nutrition disorders:

    1. Resolve the lab (trialdesk code or LOINC); the value must convert to the lab's unit
       and be plausible. Every term reading the lab is graded (potassium: Hypokalemia and
       Hyperkalemia).
    2. Choose the term's schemes that apply: multiples of baseline when the baseline was
       abnormal on its own range (ALT, AST, ALP, GGT, bilirubin), otherwise multiples of
       ULN; creatinine by multiples of ULN and, when a baseline is given, of baseline; INR
       on multiples of baseline when on anticoagulation, otherwise on absolute values;
       calcium on the corrected-calcium table, ionised calcium on its own.
    3. Read the value in the unit the scheme's limits are given in (the value's own unit
       when CTCAE gives that table; total calcium corrected for albumin by Payne's formula
       when albumin is given). ULN, LLN and baseline are the row's own, converted; one that
       a band needs and the row lacks is a CtcaeError naming the field, never a default.
    4. Walk the steps from the highest grade down: the first band holding the value decides
       (so a value below 1.5 ×10⁹/L is neutrophil grade 2 even if the lab's LLN is lower).
       No band: grade 0, within normal limits.
    5. When several schemes apply the higher grade counts (creatinine).
    6. A band whose grade a clinical fact could change (CTCAE's ";" is "or") gives its
       readings and marks the result lab_only.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> from trialdesk.ctcae.criteria import load_ctcae_criteria
    >>> import datetime
    >>> kb = load_knowledge()
    >>> alt = LabObservation(subject_id="S1", lab="alt", value=Decimal(112), unit="U/L",
    ...                      date=datetime.date(2026, 3, 2), reference_high=Decimal(40))
    >>> print(grade_observation(alt, kb, load_ctcae_criteria(kb))[0].explanation)
    ALT 112 U/L = 2.8 × ULN 40; band >ULN–3.0 × ULN → grade 1
    """
    lab = resolve_lab(observation, knowledge, row)
    terms = criteria.terms_for_lab(lab.code)
    if not terms:
        raise CtcaeError(
            f"no CTCAE v5.0 laboratory term reads {lab.name}",
            field="lab",
            row=row,
            fix="remove the row, or add the term to ctcae_v5_labs.yaml",
        )
    return tuple(grade_term(term, observation, knowledge, criteria, row=row) for term in terms)


def grade_labs(
    observations: Iterable[LabObservation], knowledge: Knowledge, criteria: CtcaeCriteria
) -> tuple[GradeResult, ...]:
    """Grade every row of a lab file, in row order; errors name the 1-based row."""
    results: list[GradeResult] = []
    for row, observation in enumerate(observations, start=1):
        results.extend(grade_observation(observation, knowledge, criteria, row=row))
    return tuple(results)
