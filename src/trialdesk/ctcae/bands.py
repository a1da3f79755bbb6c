"""CTCAE's wording of a band ('>ULN–3.0 × ULN', '<1.5–1.0 ×10⁹/L', '125–129 mmol/L'), and
numbers written for people."""

from __future__ import annotations

from decimal import Decimal

from trialdesk.ctcae.criteria import CtcaeCriteria, Scheme, Step, Term


def format_number(value: Decimal, places: int = 2) -> str:
    """At most `places` decimals, no trailing zeros, never exponent form.

    >>> format_number(Decimal("2.80")), format_number(Decimal("9.2000")), format_number(Decimal("1E+2"))
    ('2.8', '9.2', '100')
    """
    text = format(value.quantize(Decimal(1).scaleb(-places)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def unit_suffix(label: str) -> str:
    """A unit label as written after a number: ' mmol/L', '/mm³', '' for a ratio."""
    return "" if not label else label if label.startswith("/") else f" {label}"


def limit_text(step: Step, unit: str, criteria: CtcaeCriteria) -> tuple[str, str]:
    """A step's limit as (number, suffix): ('3.0', ' × ULN'), ('LLN', ''), ('1.5', ' ×10⁹/L')."""
    if step.reference is not None:
        if step.reference != "baseline" and step.times == 1:
            return step.reference, ""
        return str(step.times), f" × {step.reference}"
    assert step.values is not None  # a step has a reference or values (Step validator)
    return str(step.values[unit]), unit_suffix(criteria.unit_label(unit))


def band_text(term: Term, scheme: Scheme, step: Step, unit: str, criteria: CtcaeCriteria) -> str:
    """The band of `step`, from its limit to the next grade's, worded as CTCAE words it.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> from trialdesk.ctcae.criteria import load_ctcae_criteria
    >>> criteria = load_ctcae_criteria(load_knowledge())
    >>> alt = criteria.term("Alanine aminotransferase increased")
    >>> [band_text(alt, alt.schemes[0], s, "U/L", criteria) for s in alt.schemes[0].steps]
    ['>ULN–3.0 × ULN', '>3.0–5.0 × ULN', '>5.0–20.0 × ULN', '>20.0 × ULN']
    """
    if step.band:
        return step.band
    index = scheme.steps.index(step)
    sign = "" if step.inclusive else ("<" if term.direction == "decreased" else ">")
    low_number, low_suffix = limit_text(step, unit, criteria)
    if index + 1 == len(scheme.steps):
        return f"{sign}{low_number}{low_suffix}"
    high_number, high_suffix = limit_text(scheme.steps[index + 1], unit, criteria)
    if low_suffix == high_suffix:
        return f"{sign}{low_number}–{high_number}{high_suffix}"
    return f"{sign}{low_number}{low_suffix}–{high_number}{high_suffix}"
