"""Observation -> labs, vital signs (the blood-pressure panel split into its components),
ECOG, LVEF, Ki-67 (onto its diagnosis), attestations, reproductive status, lesions, and
mCODE CancerDiseaseStatus (onto a therapy line's progression, disease_status.py).

Units: a valueQuantity's UCUM code is the computable unit. It is mapped to a spelling that
labs.yaml accepts (data/fhir_terms.yaml `ucum`, else the code as written); the display
`unit` is kept when it converts with the same factor, so a record's own spelling survives a
round trip. A quantity without a unit, or in a unit the lab does not accept, is reported and
the observation is not imported (units are never assumed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trialdesk.ingest.fhir.context import ImportContext, Item
from trialdesk.ingest.fhir.disease_status import is_disease_status, map_disease_status
from trialdesk.ingest.fhir.elements import (
    apply_extras,
    code_in,
    codings,
    concept_text,
    day,
    describe_codes,
)
from trialdesk.ingest.fhir.terms import LOINC, SNOMED, UCUM, td_system
from trialdesk.knowledge.entries import Lab
from trialdesk.patient.record import Attestation, Lesion, Observation, Reproductive

_SKIPPED_STATUS = {"entered-in-error", "cancelled", "registered"}


def map_observation(obs: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    ctx.check_subject(obs.subject, label, "Observation.subject")
    if obs.status in _SKIPPED_STATUS:
        ctx.unmapped(label, "Observation.status", f"status {obs.status!r}: not a result")
        return
    for system, code, _ in codings(obs.code):
        if system == td_system("attestation"):
            return _attestation(obs, code, label, ctx)
        if system == td_system("record") and code == "reproductive":
            return _reproductive(obs, label, ctx)
        if system == td_system("record") and code == "lesion":
            return _lesion(obs, label, key, ctx)
    if is_disease_status(obs, ctx.index.terms):
        return map_disease_status(obs, label, ctx)
    loinc = code_in(obs.code, LOINC)
    if loinc in ctx.index.terms.ki67_loinc:
        return _ki67(obs, label, ctx)
    if loinc in ctx.index.terms.bp_panel_loinc:
        for index, component in enumerate(obs.component or ()):
            _lab(obs, component, f"Observation.component[{index}]", label, ctx)
        if not obs.component:
            ctx.unmapped(label, "Observation.component", "blood-pressure panel without components")
        return
    _lab(obs, obs, "Observation", label, ctx)


def _lab_of(concept: Any, ctx: ImportContext) -> tuple[str, Lab] | None:
    """The record code (trialdesk code, or the LOINC code as written) and its lab."""
    labs = ctx.index.knowledge.labs
    for system, code, _ in codings(concept):
        if system == td_system("lab") and code in labs:
            return code, labs[code]
    for system, code, _ in codings(concept):
        if system == LOINC:
            try:
                return code, ctx.index.knowledge.lab(code)
            except Exception:  # UnknownCodeError: try the next coding
                continue
    return None


def _lab(obs: Any, element: Any, path: str, label: str, ctx: ImportContext) -> None:
    found = _lab_of(element.code, ctx)
    if found is None:
        ctx.unmapped(label, f"{path}.code", f"{describe_codes(element.code)} is not a lab in labs.yaml")
        return
    code, lab = found
    date = day(obs.effectiveDateTime) or (day(obs.effectivePeriod.start) if obs.effectivePeriod else None)
    if date is None:
        ctx.unmapped(label, "Observation.effective[x]", "no full date of the sample (YYYY-MM-DD)")
        return
    data: dict[str, Any] = {"code": code, "date": date}
    if element.dataAbsentReason is not None:
        ctx.unmapped(label, f"{path}.dataAbsentReason", f"no value: {describe_codes(element.dataAbsentReason)}")
        return
    if not _value(element, path, label, lab, data, ctx):
        return
    if obs.method is not None and path == "Observation":
        data["method"] = concept_text(obs.method)
    ranges = (obs.referenceRange or ()) if path == "Observation" else (element.referenceRange or ())
    if ranges:
        _reference_range(ranges[0], f"{path}.referenceRange[0]", label, lab, data, ctx)
    elif data.get("value") is not None and lab.code in ctx.index.terms.uln_labs:
        ctx.report(
            "caution",
            label,
            f"{path}.referenceRange",
            f"{lab.name} has no reference range: criteria in x ULN stay unknown until the lab's range is recorded",
        )
    for name in apply_extras(data, element, Observation):
        ctx.report("unmapped", label, f"{path}.extension", f"trialdesk extension {name!r} is not an observation field")
    ctx.observations.append(Item(label, None, data))


def _value(element: Any, path: str, label: str, lab: Lab, data: dict[str, Any], ctx: ImportContext) -> bool:
    quantity = element.valueQuantity
    if quantity is not None:
        unit = unit_for(quantity, lab, f"{path}.valueQuantity", label, ctx)
        if unit is None:
            return False
        data["value"], data["unit"] = quantity.value, unit
        return True
    if element.valueInteger is not None and lab.kind == "ordinal":
        data["value"], data["unit"] = Decimal(element.valueInteger), lab.canonical_unit
        return True
    concept = element.valueCodeableConcept
    text = element.valueString
    if concept is not None or text is not None:
        result = _result(concept, text, lab, ctx)
        if result is None:
            shown = describe_codes(concept) if concept is not None else repr(text)
            ctx.unmapped(label, f"{path}.value[x]", f"result {shown} is not one of {', '.join(lab.results) or '-'}")
            return False
        data["result"] = result
        return True
    ctx.unmapped(label, f"{path}.value[x]", f"no value that {lab.name} can use")
    return False


def _result(concept: Any, text: str | None, lab: Lab, ctx: ImportContext) -> str | None:
    for system, code, _ in codings(concept):
        if system == SNOMED and ctx.index.terms.results.get(code) in lab.results:
            return ctx.index.terms.results[code]
        if system == td_system("result") and code in lab.results:
            return code
    words = (text or concept_text(concept) or "").strip().lower().replace(" ", "_")
    return words if words in lab.results else None


def unit_for(quantity: Any, lab: Lab, path: str, label: str, ctx: ImportContext) -> str | None:
    """The accepted unit spelling of a Quantity for `lab`, or None (reported)."""
    knowledge = ctx.index.knowledge
    shown = quantity.unit
    coded = str(quantity.code) if quantity.code is not None and quantity.system == UCUM else None
    if coded is not None:
        spelling = ctx.index.terms.ucum.get(coded, coded)
        factor = knowledge.unit_factor(lab.code, spelling)
        if factor is None:
            ctx.unmapped(
                label,
                f"{path}.code",
                f"UCUM unit {coded!r} does not convert for {lab.name} (accepted: {', '.join(lab.units)})",
            )
            return None
        if shown and knowledge.unit_factor(lab.code, shown) == factor:
            return str(shown)
        return spelling
    if shown and knowledge.unit_factor(lab.code, shown) is not None:
        return str(shown)
    if not shown and quantity.code is None:
        ctx.unmapped(label, path, f"a quantity without a unit: {lab.name} needs one of {', '.join(lab.units)}")
    else:
        ctx.unmapped(
            label, path, f"unit {shown or quantity.code!r} is not a unit {lab.name} accepts ({', '.join(lab.units)})"
        )
    return None


def _reference_range(rr: Any, path: str, label: str, lab: Lab, data: dict[str, Any], ctx: ImportContext) -> None:
    out: dict[str, Any] = {}
    units = set()
    for bound in ("low", "high"):
        quantity = getattr(rr, bound)
        if quantity is None or quantity.value is None:
            continue
        unit = (
            unit_for(quantity, lab, f"{path}.{bound}", label, ctx)
            if (quantity.unit or quantity.code)
            else data.get("unit")
        )
        if unit is None:
            return
        out[bound] = quantity.value
        units.add(unit)
    if len(units) > 1:
        ctx.unmapped(label, path, "low and high are in different units")
        return
    if not out:
        if rr.text:
            ctx.report("caution", label, path, f"reference range given only as text {rr.text!r}")
        return
    unit = units.pop() if units else None
    if unit is not None and unit != data.get("unit"):
        out["unit"] = unit
    data["reference_range"] = out


def _ki67(obs: Any, label: str, ctx: ImportContext) -> None:
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        ctx.unmapped(label, "Observation.valueQuantity", "Ki-67 without a percentage")
        return
    if (quantity.code or quantity.unit) not in ("%", None):
        ctx.unmapped(label, "Observation.valueQuantity", f"Ki-67 in {quantity.code or quantity.unit!r}, not %")
        return
    focus = obs.focus[0] if obs.focus else None
    key = ctx.resolve(focus, label, "Observation.focus[0]")
    ctx.ki67.append((label, key, quantity.value))


def _attestation(obs: Any, topic: str, label: str, ctx: ImportContext) -> None:
    data: dict[str, Any] = {"topic": topic, "on": day(obs.effectiveDateTime)}
    if obs.valueBoolean is not None:
        data["value"] = obs.valueBoolean
    if obs.valueQuantity is not None:
        data["quantity"], data["unit"] = obs.valueQuantity.value, obs.valueQuantity.unit
    if obs.performer:
        data["by"] = obs.performer[0].display
    for name in apply_extras(data, obs, Attestation):
        ctx.report(
            "unmapped", label, "Observation.extension", f"trialdesk extension {name!r} is not an attestation field"
        )
    ctx.attestations.append(Item(label, None, data))


def _reproductive(obs: Any, label: str, ctx: ImportContext) -> None:
    data: dict[str, Any] = {"assessed_on": day(obs.effectiveDateTime)}
    for index, component in enumerate(obs.component or ()):
        name = code_in(component.code, td_system("record"))
        if name in Reproductive.model_fields and component.valueBoolean is not None:
            data[name] = component.valueBoolean
        else:
            ctx.unmapped(
                label,
                f"Observation.component[{index}]",
                f"{describe_codes(component.code)} is not a reproductive field",
            )
    ctx.reproductive = {k: v for k, v in data.items() if v is not None}


def _lesion(obs: Any, label: str, key: str | None, ctx: ImportContext) -> None:
    data: dict[str, Any] = {"measured_on": day(obs.effectiveDateTime)}
    if obs.identifier:
        data["id"] = obs.identifier[0].value
    if obs.bodySite is not None:
        data["site"] = ctx.site(obs.bodySite, label, "Observation.bodySite")
    for name in apply_extras(data, obs, Lesion):
        ctx.report("unmapped", label, "Observation.extension", f"trialdesk extension {name!r} is not a lesion field")
    ctx.items["lesions"].append(Item(label, key, {k: v for k, v in data.items() if v is not None}))
