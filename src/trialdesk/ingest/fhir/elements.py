"""Reading FHIR data types as the record needs them: codings, dates, quantities and
trialdesk's own extensions. Works on the validated `fhir.resources.R4B` models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from trialdesk.ingest.fhir.terms import TD_EXTENSION

# Elements of the patient record that a FHIR R4 element carries natively are mapped by
# name in each resource module; every other field of a record item travels as a trialdesk
# extension named after the field, so an export imports back unchanged.
_VALUE_FIELDS = ("valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueString", "valueCode")


def codings(concept: Any) -> Iterator[tuple[str, str, str | None]]:
    """(system, code, display) of each coding of a CodeableConcept (None -> nothing)."""
    if concept is None:
        return
    for coding in concept.coding or ():
        if coding.code is not None:
            yield (coding.system or "", str(coding.code), coding.display)


def code_in(concept: Any, system: str | tuple[str, ...]) -> str | None:
    systems = (system,) if isinstance(system, str) else system
    return next((code for sys, code, _ in codings(concept) if sys in systems), None)


def concept_text(concept: Any) -> str | None:
    """What a person would read: the text, else the first display."""
    if concept is None:
        return None
    if concept.text:
        return str(concept.text)
    return next((display for _, _, display in codings(concept) if display), None)


def describe_codes(concept: Any) -> str:
    shown = [f"{sys or '(no system)'}|{code}" for sys, code, _ in codings(concept)]
    text = concept_text(concept)
    if text:
        shown.append(repr(text))
    return ", ".join(shown) or "no code"


def day(value: Any) -> dt.date | None:
    """A full date from a FHIR date or dateTime; a partial date ('2026-11') is None.

    A dateTime keeps the calendar day it was written in (its own offset), which is the day
    the clinician and the lab saw."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def is_partial(value: Any) -> bool:
    return isinstance(value, str)


def period_days(period: Any) -> tuple[dt.date | None, dt.date | None]:
    if period is None:
        return None, None
    return day(period.start), day(period.end)


def extension_value(ext: Any) -> Any:
    for name in _VALUE_FIELDS:
        value = getattr(ext, name, None)
        if value is not None:
            return value
    return None


def td_extensions(resource: Any) -> Iterator[tuple[str, Any, Any]]:
    """(field name, value, extension) of each trialdesk extension on an element."""
    for ext in getattr(resource, "extension", None) or ():
        if ext.url.startswith(TD_EXTENSION):
            yield ext.url[len(TD_EXTENSION) :], extension_value(ext), ext


def extension_json(name: str, value: Any) -> list[dict[str, Any]]:
    """The trialdesk extension(s) for one record field; a tuple becomes one per element."""
    if isinstance(value, tuple | list):
        return [item for element in value for item in extension_json(name, element)]
    url = TD_EXTENSION + name
    if isinstance(value, bool):
        return [{"url": url, "valueBoolean": value}]
    if isinstance(value, int):
        return [{"url": url, "valueInteger": value}]
    if isinstance(value, Decimal):
        return [{"url": url, "valueDecimal": value}]
    if isinstance(value, dt.date):
        return [{"url": url, "valueDate": value.isoformat()}]
    return [{"url": url, "valueString": str(value)}]


def extras_json(item: Any, native: Iterable[str]) -> list[dict[str, Any]]:
    """Extensions for every field of a record item that is set and not carried natively."""
    skip = set(native)
    out: list[dict[str, Any]] = []
    for name, info in type(item).model_fields.items():
        value = getattr(item, name)
        if name in skip or value is None or value == info.default:
            continue
        out += extension_json(name, value)
    return out


def number(value: Decimal) -> Decimal | int:
    """A Decimal as FHIR JSON writes it: integral values as integers."""
    return int(value) if value == value.to_integral_value() and abs(value) < 10**15 else value


def apply_extras(data: dict[str, Any], element: Any, model: Any) -> list[str]:
    """Fill `data` from the trialdesk extensions of `element` for the fields of `model`
    that the native mapping left unset; returns the extension names `model` lacks."""
    unknown = []
    for name, value, _ in td_extensions(element):
        info = model.model_fields.get(name)
        if info is None:
            unknown.append(name)
        elif "tuple" in str(info.annotation):
            data[name] = [*data.get(name, ()), value]
        elif name not in data:
            data[name] = value
    return unknown
