"""Condition -> a cancer diagnosis (mCODE PrimaryCancerCondition), a metastatic site (mCODE
SecondaryCancerCondition) or a history item (any other Condition).

Which one a Condition is: its meta.profile names the mCODE profile; failing that, a
Condition carrying the mCODE histology-morphology-behavior extension is a primary cancer.
verificationStatus `refuted` is a documented absence (present: false); `entered-in-error`
is not imported; clinicalStatus active/recurrence/relapse is `active`, inactive/remission/
resolved is `resolved`.
"""

from __future__ import annotations

from typing import Any

from trialdesk.ingest.fhir.context import ImportContext, Item
from trialdesk.ingest.fhir.elements import (
    apply_extras,
    code_in,
    codings,
    concept_text,
    day,
    describe_codes,
    td_extensions,
)
from trialdesk.ingest.fhir.terms import (
    CLINICAL_STATUS,
    ICD10,
    ICDO3,
    MCODE_HISTOLOGY,
    MCODE_PRIMARY,
    MCODE_SECONDARY,
    SNOMED,
    VERIFICATION_STATUS,
    icd10_key,
    td_system,
)
from trialdesk.patient.record import Condition, Diagnosis, Metastasis

_ACTIVE = {"active", "recurrence", "relapse"}
_RESOLVED = {"inactive", "remission", "resolved"}


def map_condition(cond: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(cond.subject, label, "Condition.subject")
    verification = code_in(cond.verificationStatus, VERIFICATION_STATUS)
    profiles = {str(p) for p in (cond.meta.profile or ())} if cond.meta else set()
    section = (
        "metastases"
        if MCODE_SECONDARY in profiles
        else "diagnoses"
        if MCODE_PRIMARY in profiles or _histology_extension(cond) is not None
        else "history"
    )
    if verification == "entered-in-error":
        ctx.report("unmapped", label, "Condition.verificationStatus", "entered in error: not imported")
        return
    refuted = verification == "refuted"
    if section == "diagnoses":
        data = _diagnosis(cond, label, ctx)
    elif section == "metastases":
        data = _metastasis(cond, label, ctx, refuted)
    else:
        data = _history(cond, label, ctx, refuted)
    if data is None:
        return
    model = {"diagnoses": Diagnosis, "metastases": Metastasis, "history": Condition}[section]
    for name in apply_extras(data, cond, model):
        ctx.report("unmapped", label, "Condition.extension", f"trialdesk extension {name!r} is not a {section} field")
    ctx.items[section].append(Item(label, key, data))


def _histology_extension(cond: Any) -> Any:
    return next((ext for ext in cond.extension or () if ext.url == MCODE_HISTOLOGY), None)


def _diagnosis(cond: Any, label: str, ctx: ImportContext) -> dict[str, Any] | None:
    ext = _histology_extension(cond)
    concept = ext.valueCodeableConcept if ext is not None else None
    histology = _histology(concept, cond, ctx)
    if histology is None:
        shown = describe_codes(concept) if concept is not None else "no histology-morphology-behavior extension"
        ctx.unmapped(
            label,
            f"Condition.extension('{MCODE_HISTOLOGY}')",
            f"histology {shown} does not map to one histology code",
            section="diagnoses",
        )
        return None
    data: dict[str, Any] = {"histology": histology, "diagnosed_on": day(cond.onsetDateTime) or day(cond.recordedDate)}
    if cond.bodySite:
        data["primary_site"] = ctx.site(cond.bodySite[0], label, "Condition.bodySite[0]")
    return {k: v for k, v in data.items() if v is not None}


def _histology(concept: Any, cond: Any, ctx: ImportContext) -> str | None:
    histologies = ctx.index.knowledge.histologies
    for system, code, _ in codings(concept):
        if system == td_system("histology") and code in histologies:
            return code
    for system, code, _ in codings(concept):
        if system in (ICDO3, SNOMED):
            candidates = ctx.index.histologies.get(code, ())
            # one ICD-O-3 code can stand for several WHO grades (8249/3: NET G2 and G3); a
            # stated grade settles it, nothing else does
            grade = next((v for n, v, _ in td_extensions(cond) if n == "who_grade"), None)
            if len(candidates) > 1 and grade:
                candidates = tuple(c for c in candidates if histologies[c].grade == grade)
            if len(candidates) == 1:
                return candidates[0]
    return None


def _metastasis(cond: Any, label: str, ctx: ImportContext, refuted: bool) -> dict[str, Any] | None:
    site = ctx.site(cond.bodySite[0], label, "Condition.bodySite[0]") if cond.bodySite else None
    if site is None:
        ctx.unmapped(
            label, "Condition.bodySite", "a metastasis needs a body site in the sites vocabulary", section="metastases"
        )
        return None
    data: dict[str, Any] = {"site": site}
    if refuted:
        data["present"] = False
    elif (onset := day(cond.onsetDateTime) or day(cond.recordedDate)) is not None:
        data["diagnosed_on"] = onset
    return data


def _history(cond: Any, label: str, ctx: ImportContext, refuted: bool) -> dict[str, Any] | None:
    category = _category(cond.code, ctx)
    if category is None:
        ctx.unmapped(
            label,
            "Condition.code",
            f"{describe_codes(cond.code)} is not a condition in the conditions vocabulary",
            section="history",
        )
        return None
    data: dict[str, Any] = {"category": category}
    if refuted:
        data["present"] = False
        return data
    clinical = code_in(cond.clinicalStatus, CLINICAL_STATUS)
    if clinical in _ACTIVE:
        data["status"] = "active"
    elif clinical in _RESOLVED:
        data["status"] = "resolved"
    data["onset"] = day(cond.onsetDateTime)
    data["resolved_on"] = day(cond.abatementDateTime)
    severity = code_in(cond.severity, SNOMED)
    if severity is not None:
        data["severity"] = ctx.index.terms.severity.get(severity)
    if cond.note:
        data["note"] = cond.note[0].text
    return {k: v for k, v in data.items() if v is not None}


def _category(concept: Any, ctx: ImportContext) -> str | None:
    conditions = ctx.index.knowledge.conditions
    for system, code, _ in codings(concept):
        if system == td_system("condition") and code in conditions:
            return code
    for system, code, _ in codings(concept):
        key = ("icd10", icd10_key(code)) if system in ICD10 else ("snomed", code) if system == SNOMED else None
        if key and (found := ctx.one(ctx.index.conditions.get(key, ()))):
            return found
    text = concept_text(concept)
    return text if text in conditions else None
