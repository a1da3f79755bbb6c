"""Procedure, Immunization, Specimen and AdverseEvent -> procedures, vaccinations,
specimens and adverse events of prior therapy.

A Procedure's type comes from its SNOMED CT code (data/fhir_terms.yaml `procedures`);
status `not-done` is a documented absence. An Immunization's vaccine comes from its CVX
code through vaccines.yaml, which says whether it is live; an unknown CVX code keeps the
vaccine's text and its liveness stays unknown. A Specimen's type is trialdesk's own code,
or a SNOMED CT specimen type (data/fhir_terms.yaml `specimen_types`); a generic tissue type
is settled only by the collection method (`specimen_methods`), else reported; FFPE comes
from `ffpe_snomed` on the type or a processing step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.ingest.fhir.context import ImportContext, Item
from trialdesk.ingest.fhir.elements import (
    apply_extras,
    code_in,
    codings,
    concept_text,
    day,
    describe_codes,
    period_days,
)
from trialdesk.ingest.fhir.terms import CVX, SNOMED, SPECIMEN_TISSUE, td_system
from trialdesk.patient.record import AdverseEvent, Procedure, Specimen, Vaccination


def _extras(data: dict[str, Any], res: Any, model: Any, label: str, ctx: ImportContext) -> None:
    for name in apply_extras(data, res, model):
        ctx.report(
            "unmapped",
            label,
            f"{res.get_resource_type()}.extension",
            f"trialdesk extension {name!r} is not a field of {model.__name__}",
        )


def map_procedure(proc: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(proc.subject, label, "Procedure.subject")
    if proc.status == "entered-in-error":
        ctx.report("unmapped", label, "Procedure.status", "entered in error: not imported")
        return
    kind = code_in(proc.code, td_system("procedure"))
    if kind is None:
        kind = next(
            (
                ctx.index.terms.procedures[c]
                for s, c, _ in codings(proc.code)
                if s == SNOMED and c in ctx.index.terms.procedures
            ),
            None,
        )
    if kind is None:
        ctx.unmapped(
            label,
            "Procedure.code",
            f"{describe_codes(proc.code)} is not a procedure type trialdesk reads",
            section="procedures",
        )
        return
    data: dict[str, Any] = {"type": kind}
    if proc.status == "not-done":
        data["present"] = False
    else:
        start, end = period_days(proc.performedPeriod)
        data["performed_on"] = day(proc.performedDateTime) or start
        data["ended_on"] = end
        if proc.bodySite:
            data["site"] = ctx.site(proc.bodySite[0], label, "Procedure.bodySite[0]")
    _extras(data, proc, Procedure, label, ctx)
    ctx.items["procedures"].append(Item(label, key, {k: v for k, v in data.items() if v is not None}))


def map_immunization(imm: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(imm.patient, label, "Immunization.patient")
    if imm.status in ("entered-in-error", "not-done"):
        ctx.report("unmapped", label, "Immunization.status", f"status {imm.status!r}: not a vaccination given")
        return
    knowledge = ctx.index.knowledge
    text = concept_text(imm.vaccineCode)
    by_text = knowledge.find_vaccine(text) if text else None
    cvx = code_in(imm.vaccineCode, CVX)
    by_code = ctx.one(ctx.index.vaccines.get((cvx or "").lstrip("0") or "0", ())) if cvx else None
    data: dict[str, Any] = {"date": day(imm.occurrenceDateTime)}
    if by_code is not None and (by_text is None or by_text.id != by_code):
        if by_text is not None:
            ctx.report(
                "caution",
                label,
                "Immunization.vaccineCode",
                f"text {text!r} and CVX {cvx} disagree: the CVX code is used",
            )
        data["vaccine"] = knowledge.vaccines[by_code].name
    elif by_text is not None:
        data["vaccine"] = text
    else:
        data["vaccine"] = text or f"CVX {cvx}" if (text or cvx) else None
        if data["vaccine"] is None:
            ctx.unmapped(label, "Immunization.vaccineCode", "no vaccine code or text", section="vaccinations")
            return
        ctx.report(
            "caution",
            label,
            "Immunization.vaccineCode",
            f"vaccine {describe_codes(imm.vaccineCode)} is not in vaccines.yaml: whether it is live is unknown",
        )
    _extras(data, imm, Vaccination, label, ctx)
    ctx.items["vaccinations"].append(Item(label, key, {k: v for k, v in data.items() if v is not None}))


def map_specimen(spec: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(spec.subject, label, "Specimen.subject")
    if spec.status == "entered-in-error":
        ctx.report("unmapped", label, "Specimen.status", "entered in error: not imported")
        return
    kind = code_in(spec.type, td_system("specimen")) or _snomed_specimen_type(spec, label, ctx)
    if kind is None:
        return
    data: dict[str, Any] = {"type": kind}
    if _states_ffpe(spec, ctx.index.terms.ffpe_snomed):
        data["ffpe"] = True
    if spec.collection is not None:
        data["collected_on"] = day(spec.collection.collectedDateTime)
    _extras(data, spec, Specimen, label, ctx)
    ctx.items["specimens"].append(Item(label, key, {k: v for k, v in data.items() if v is not None}))


def _snomed_words(concept: Any, table: Mapping[str, str]) -> set[str]:
    return {table[c] for s, c, _ in codings(concept) if s == SNOMED and c in table}


def _snomed_specimen_type(spec: Any, label: str, ctx: ImportContext) -> str | None:
    """The record type a SNOMED CT Specimen.type states (data/fhir_terms.yaml
    `specimen_types`), or that its collection method settles when the type says tissue
    only (`specimen_methods`). Anything else is reported and None: a type is never guessed,
    and `fresh_biopsy` never comes from a code."""
    terms = ctx.index.terms
    method = spec.collection.method if spec.collection is not None else None
    stated = _snomed_words(spec.type, terms.specimen_types)
    specific = stated - {SPECIMEN_TISSUE}
    by_method = _snomed_words(method, terms.specimen_methods)
    if len(specific) > 1:
        ctx.unmapped(
            label,
            "Specimen.type",
            f"{describe_codes(spec.type)} name different specimen types ({', '.join(sorted(specific))})",
            section="specimens",
        )
        return None
    if specific:
        (kind,) = specific
        if by_method and by_method != {kind}:
            ctx.report(
                "caution",
                label,
                "Specimen.collection.method",
                f"method {describe_codes(method)} says {' or '.join(sorted(by_method))}, "
                f"the type {describe_codes(spec.type)} says {kind}: the type is used",
            )
        return kind
    if not stated:
        ctx.unmapped(
            label,
            "Specimen.type",
            f"{describe_codes(spec.type)} is not a specimen type trialdesk reads",
            section="specimens",
        )
        return None
    if len(by_method) == 1:
        (kind,) = by_method
        ctx.report(
            "inferred",
            label,
            "Specimen.collection.method",
            f"type {kind} from the collection method {describe_codes(method)}; "
            f"Specimen.type {describe_codes(spec.type)} says tissue only",
        )
        return kind
    ctx.unmapped(
        label,
        "Specimen.type",
        f"{describe_codes(spec.type)} says tissue but not whether a biopsy or a resection gave it, "
        f"and the collection method ({describe_codes(method)}) does not settle it: a person records the type",
        section="specimens",
    )
    return None


def _states_ffpe(spec: Any, codes: frozenset[str]) -> bool:
    """Specimen.type or a Specimen.processing.procedure coded as FFPE (data/fhir_terms.yaml
    `ffpe_snomed`). Their absence says nothing: `ffpe` is never set false from codes."""
    concepts = [spec.type, *(step.procedure for step in spec.processing or ())]
    return any(s == SNOMED and c in codes for concept in concepts for s, c, _ in codings(concept))


def map_adverse_event(event: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(event.subject, label, "AdverseEvent.subject")
    if event.actuality != "actual":
        ctx.report("unmapped", label, "AdverseEvent.actuality", f"{event.actuality!r}: not an event that happened")
        return
    term = concept_text(event.event)
    if term is None:
        ctx.unmapped(label, "AdverseEvent.event", "no term", section="adverse_events")
        return
    data: dict[str, Any] = {"term": term, "onset": day(event.date)}
    _extras(data, event, AdverseEvent, label, ctx)
    ctx.items["adverse_events"].append(Item(label, key, {k: v for k, v in data.items() if v is not None}))
