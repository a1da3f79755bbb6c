"""Check a parsed rule against the vocabulary: every attribute, code and unit must resolve.

A protocol that names a lab, a site, a drug class or an attribute that does not exist is
refused on load with the criterion, the name and the names that would be accepted.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from trialdesk.criteria import ast
from trialdesk.criteria.fields import ITEM_MODELS, attribute_names
from trialdesk.knowledge.base import Knowledge

TIME_UNITS = ("days", "weeks", "months", "years")
PATIENT_FLAGS = ("childbearing_potential", "pregnant", "lactating", "fertile_partner")


def _annotation(collection: str | None, name: str) -> Any:
    if collection is None or "." in name:
        return None
    field = ITEM_MODELS[collection].model_fields.get(name)
    return field.annotation if field else None


def _literal_values(annotation: Any) -> set[str] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return {str(v) for v in typing.get_args(annotation)}
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is typing.Literal:
            return {str(v) for v in typing.get_args(arg)}
        if typing.get_origin(arg) is tuple:
            inner = _literal_values(typing.get_args(arg)[0])
            if inner:
                return inner
    return None


def _is_type(annotation: Any, wanted: type) -> bool:
    if annotation is wanted:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return wanted in typing.get_args(annotation)
    return False


def _symbols_for(name: str, collection: str | None, kb: Knowledge) -> set[str] | None:
    """The codes an attribute may be compared with, or None when any code is allowed."""
    by_name: dict[str, set[str]] = {
        "site": set(kb.sites),
        "primary_site": set(kb.sites),
        "histology": set(kb.histologies),
        "category": set(kb.conditions),
        "agent.class": set(kb.drug_classes),
        "agent.contains": set(kb.drug_classes),
        "agent.payload": set(kb.drug_classes),
        "agent.target": set(kb.targets),
        "agent.cyp3a4": {"strong_inhibitor", "strong_inducer"},
        "histology.family": {"nec", "net", "minen", "other"},
        "histology.differentiation": {"well", "poorly"},
        "histology.grade": {"G1", "G2", "G3"},
        "patient.sex": {"female", "male"},
    }
    if name in by_name:
        return by_name[name]
    return _literal_values(_annotation(collection, name))


def rule_problems(node: ast.Expr, kb: Knowledge, collection: str | None = None) -> Iterator[str]:
    """Every problem of a rule, as sentences naming the bad name and the accepted ones."""
    if isinstance(node, ast.Not):
        yield from rule_problems(node.operand, kb, collection)
    elif isinstance(node, ast.And | ast.Or):
        for operand in node.operands:
            yield from rule_problems(operand, kb, collection)
    elif isinstance(node, ast.Quantifier):
        if node.where is not None:
            yield from rule_problems(node.where, kb, node.collection)
    elif isinstance(node, ast.Attested):
        if node.topic not in kb.attestations:
            yield f"unknown attestation topic {node.topic!r}; known: {', '.join(sorted(kb.attestations))}"
    elif isinstance(node, ast.Flag):
        yield from _field_problems(node.field, collection)
    elif isinstance(node, ast.Member):
        yield from _field_problems(node.field, collection)
        yield from _symbol_problems(node.field, node.values, collection, kb)
    elif isinstance(node, ast.DateTest):
        yield from _field_problems(node.field, collection)
        name = ".".join(node.field.path)
        if name != "date" and not _is_type(_annotation(collection, name), dt.date):
            yield f"{name!r} is not a date attribute" + (
                f" of {collection}" if collection else " (date tests read an item inside any/none)"
            )
        yield from _duration_problems(node.duration, collection)
    elif isinstance(node, ast.Between):
        yield from _value_problems(node.value, node.low, kb, collection, ">=")
        yield from _value_problems(node.value, node.high, kb, collection, "<=")
    elif isinstance(node, ast.Compare):
        yield from _value_problems(node.left, node.right, kb, collection, node.op)


def _field_problems(field: ast.Field, collection: str | None) -> Iterator[str]:
    name = ".".join(field.path)
    allowed = attribute_names(collection)
    if name not in allowed:
        where = f"inside {collection}" if collection else "outside a quantifier (any/none)"
        yield f"unknown attribute {name!r} {where}; known: {', '.join(sorted(allowed))}"


def _symbol_problems(
    field: ast.Field, symbols: tuple[ast.Symbol, ...], collection: str | None, kb: Knowledge
) -> Iterator[str]:
    name = ".".join(field.path)
    annotation = _annotation(collection, name)
    yes_no = {"measurable", "active", "vaccine.live", "agent.is_adc", *(f"patient.{a}" for a in PATIENT_FLAGS)}
    if _is_type(annotation, bool) or name in yes_no:
        yield f"{name} is yes/no: test it as `{name}` or `not {name}`, not against a code"
        return
    if _is_type(annotation, dt.date) or name == "date":
        yield f"{name} is a date: test it with within / at least / more than ... before"
        return
    allowed = _symbols_for(name, collection, kb)
    if allowed is None:
        return
    for symbol in symbols:
        if symbol.name not in allowed:
            yield f"{'.'.join(field.path)} is never {symbol.name!r}; known: {', '.join(sorted(allowed))}"


def _duration_problems(duration: ast.Duration, collection: str | None) -> Iterator[str]:
    if isinstance(duration, ast.HalfLives) and collection not in ("therapy", "medication"):
        yield "half_lives is only defined inside any(therapy, ...) or any(medication, ...)"
    if isinstance(duration, ast.ShorterOf):
        yield from _duration_problems(duration.first, collection)
        yield from _duration_problems(duration.second, collection)


def _window_problems(window: ast.Window | None) -> Iterator[str]:
    if window is not None and not isinstance(window.duration, ast.Span):
        yield "an observation window is a fixed duration (e.g. within 14 days before first_dose)"


def _value_problems(left: ast.Value, right: ast.Bound, kb: Knowledge, collection: str | None, op: str) -> Iterator[str]:
    if isinstance(left, ast.Latest):
        yield from _latest_problems(left, right, kb, op)
    elif isinstance(left, ast.Age):
        if not (isinstance(right, ast.Quantity) and right.unit == "years" and right.value == int(right.value)):
            yield "an age is compared with whole years, e.g. age_at(first_dose) >= 18 years"
    elif isinstance(left, ast.CreatinineClearance):
        yield from _window_problems(left.window)
        if not (isinstance(right, ast.Quantity) and right.unit == "mL/min"):
            yield "creatinine_clearance is compared in mL/min"
    elif isinstance(left, ast.AttestationValue):
        if left.topic not in kb.attestations:
            yield f"unknown attestation topic {left.topic!r}; known: {', '.join(sorted(kb.attestations))}"
        if not (isinstance(right, ast.Quantity) and right.unit in TIME_UNITS):
            yield f"attestation({left.topic}) is compared with a duration in {', '.join(TIME_UNITS)}"
    else:
        yield from _field_problems(left, collection)
        name = ".".join(left.path)
        if isinstance(right, ast.Symbol):
            if op not in ("=", "!="):
                yield f"{name} is compared with the code {right.name!r} by = or !=, not {op}"
            yield from _symbol_problems(left, (right,), collection, kb)
        elif isinstance(right, ast.LimitMultiple):
            yield f"{name} has no reference range; x ULN applies to latest(...)"
        else:
            annotation = _annotation(collection, name)
            if not (_is_type(annotation, int) or _is_type(annotation, Decimal)):
                yield f"{name} is not a number; compare it with a code by = or in [...]"
            unit = {"_percent": "%", "_mm": "mm"}.get(next((s for s in ("_percent", "_mm") if name.endswith(s)), ""))
            if right.unit is not None and right.unit != unit:
                yield f"{name} is in {unit or 'no unit'}; write the number {'in ' + unit if unit else 'without a unit'}"


def _latest_problems(left: ast.Latest, right: ast.Bound, kb: Knowledge, op: str) -> Iterator[str]:
    if left.code not in kb.labs:
        yield f"unknown lab {left.code!r}; known: {', '.join(sorted(kb.labs))}"
        return
    yield from _window_problems(left.window)
    if left.unsupported_for is not None and not isinstance(left.unsupported_for, ast.Span):
        yield "no support within ... takes a fixed duration"
    lab = kb.labs[left.code]
    if isinstance(right, ast.Symbol):
        if op not in ("=", "!="):
            yield f"a result such as {right.name!r} is compared by = or !=, not {op}"
        if op not in ("=", "!="):
            yield f"a result such as {right.name!r} is compared by = or !=, not {op}"
        if right.name not in lab.results:
            yield f"{lab.name} has no result {right.name!r}; its results: {', '.join(lab.results) or 'none (numeric)'}"
    elif isinstance(right, ast.LimitMultiple):
        if lab.kind == "qualitative":
            yield f"{lab.name} is qualitative: it has no {right.limit}"
    elif lab.kind == "qualitative":
        yield f"{lab.name} is qualitative: compare it with one of {', '.join(lab.results)}"
    elif right.unit is not None and kb.unit_factor(lab.code, right.unit) is None:
        yield f"unit {right.unit!r} does not convert for {lab.name}; accepted: {', '.join(lab.units)}"
    elif right.unit is None and lab.kind == "quantity":
        yield f"{lab.name} needs a unit on its threshold (e.g. {lab.canonical_unit})"
