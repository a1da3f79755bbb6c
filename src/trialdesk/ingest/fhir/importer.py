"""A FHIR R4 bundle -> a patient record and the report of what could not be mapped.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1960-05-10"}}]}
    >>> imported = import_fhir(bundle, load_knowledge(), source="example")
    >>> imported.patient.sex, str(imported.patient.birth_date)
    ('male', '1960-05-10')

Resources are parsed by `fhir.resources.R4B` one at a time (so a large bundle never holds
two copies of itself), mapped by the module of their type, then each record item is
validated on its own: an item that does not validate is reported, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trialdesk.errors import FhirError
from trialdesk.ingest.fhir import bundle as fhir_bundle
from trialdesk.ingest.fhir.care import map_adverse_event, map_immunization, map_procedure, map_specimen
from trialdesk.ingest.fhir.conditions import map_condition
from trialdesk.ingest.fhir.context import SECTIONS, ImportContext, Item
from trialdesk.ingest.fhir.disease_status import attach_progressions
from trialdesk.ingest.fhir.elements import day, is_partial
from trialdesk.ingest.fhir.lines import LAST_DOSE_UNKNOWN, LineRule, group_lines
from trialdesk.ingest.fhir.medications import map_medication_use, stated_therapy_lines
from trialdesk.ingest.fhir.observations import map_observation
from trialdesk.ingest.fhir.sections import map_list
from trialdesk.ingest.fhir.terms import TD_RECORD_ID, CodeIndex, build_code_index, load_fhir_terms
from trialdesk.ingest.report import ImportReport
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import json_path, patient_from_data
from trialdesk.patient.record import (
    AdverseEvent,
    Attestation,
    Condition,
    Diagnosis,
    Lesion,
    Medication,
    Metastasis,
    Observation,
    Patient,
    Procedure,
    Specimen,
    TherapyLine,
    Vaccination,
)

_ITEM_MODELS: dict[str, type[BaseModel]] = {
    "diagnoses": Diagnosis,
    "metastases": Metastasis,
    "therapies": TherapyLine,
    "medications": Medication,
    "procedures": Procedure,
    "history": Condition,
    "adverse_events": AdverseEvent,
    "vaccinations": Vaccination,
    "lesions": Lesion,
    "specimens": Specimen,
}

_Mapper = Callable[[Any, str, "str | None", ImportContext], None]
_MAPPERS: dict[str, _Mapper] = {
    "Observation": map_observation,
    "Condition": map_condition,
    "Procedure": map_procedure,
    "Immunization": map_immunization,
    "Specimen": map_specimen,
    "AdverseEvent": map_adverse_event,
}
_MEDICATION_USE = ("MedicationAdministration", "MedicationStatement", "MedicationRequest")


@dataclass(frozen=True)
class FhirImport:
    """The record made from a bundle, and everything the import could not map or inferred."""

    patient: Patient
    report: ImportReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient.model_dump(mode="json", exclude_none=True),
            "report": self.report.to_dict(),
        }


def import_fhir_file(path: Path, knowledge: Knowledge, *, rule: LineRule | None = None) -> FhirImport:
    """Import a Bundle (.json) or NDJSON (.ndjson) file."""
    text = fhir_bundle.read_text(path)
    data = fhir_bundle.parse_json_or_ndjson(text, str(path))
    del text  # a large bundle should not be held twice
    return import_fhir(data, knowledge, source=str(path), rule=rule)


def import_fhir(
    data: Any,
    knowledge: Knowledge,
    *,
    source: str = "bundle",
    rule: LineRule | None = None,
    index: CodeIndex | None = None,
) -> FhirImport:
    """Import parsed JSON: a Bundle, a single resource, or a list of resources (NDJSON)."""
    raws: list[fhir_bundle.RawResource | None] = list(fhir_bundle.raw_resources(data, source))
    index = index or build_code_index(knowledge, load_fhir_terms())
    for raw in raws:
        assert raw is not None
        fhir_bundle.model_class(raw, source)
    references = frozenset(k for raw in raws if raw is not None for k in fhir_bundle.reference_keys(raw))
    patients = [raw for raw in raws if raw is not None and raw.type == "Patient"]
    if len(patients) != 1:
        raise FhirError(
            source,
            "Patient",
            f"the bundle holds {len(patients)} Patient resources: {', '.join(p.label for p in patients) or 'none'}",
            fix="import one patient per bundle, with its Patient resource",
        )
    medications = {
        key: fhir_bundle.validate(raw, source)
        for raw in raws
        if raw is not None and raw.type == "Medication"
        for key in fhir_bundle.reference_keys(raw)
    }
    ctx = ImportContext(
        source, index, references, medications, patient_keys=frozenset(fhir_bundle.reference_keys(patients[0]))
    )
    count = 0
    for position, raw in enumerate(raws):
        assert raw is not None
        raws[position] = None  # let the parsed JSON of a done resource go
        count += 1
        resource = fhir_bundle.validate(raw, source)
        _dispatch(resource, raw, ctx)
    patient = _assemble(ctx, rule or LineRule())
    return FhirImport(patient, ImportReport(source, count, tuple(ctx.issues)))


def _dispatch(resource: Any, raw: fhir_bundle.RawResource, ctx: ImportContext) -> None:
    label = f"{raw.type}/{raw.data['id']}" if raw.data.get("id") else raw.label
    key = next(fhir_bundle.reference_keys(raw), None)
    if raw.type == "Patient":
        _patient(resource, label, ctx)
    elif raw.type in _MAPPERS:
        _MAPPERS[raw.type](resource, label, key, ctx)
    elif raw.type in _MEDICATION_USE:
        map_medication_use(resource, label, ctx)
    elif raw.type == "List":
        map_list(resource, label, ctx)
    elif raw.type != "Medication":
        ctx.report("unmapped", label, raw.type, f"{raw.type} is not part of the patient record: not read")


def _patient(resource: Any, label: str, ctx: ImportContext) -> None:
    record_id = next((i.value for i in resource.identifier or () if i.system == TD_RECORD_ID and i.value), None)
    ctx.patient["id"] = record_id or resource.id or label
    if resource.gender is not None:
        ctx.patient["sex"] = resource.gender
    if is_partial(resource.birthDate):
        ctx.report(
            "unmapped", label, "Patient.birthDate", f"partial birth date {resource.birthDate!r}: age stays unknown"
        )
    elif resource.birthDate is not None:
        ctx.patient["birth_date"] = day(resource.birthDate)


def _assemble(ctx: ImportContext, rule: LineRule) -> Patient:
    _attach_ki67(ctx)
    ctx.items["therapies"] = stated_therapy_lines(ctx) + _inferred_lines(ctx, rule, numbered=not ctx.stated_lines)
    attach_progressions(ctx)
    record: dict[str, Any] = dict(ctx.patient)
    if ctx.reproductive:
        record["reproductive"] = ctx.reproductive
    for section in SECTIONS:
        items = _valid_items(ctx.items[section], _ITEM_MODELS[section], section, ctx)
        review = dict(ctx.sections.get(section, {}))
        if review.get("complete") and section in ctx.incomplete:
            ctx.report(
                "incomplete",
                "",
                section,
                f"{section} was reviewed as complete, but {ctx.incomplete[section]}: read as not complete",
            )
            review["complete"] = False
        if items or review:
            record[section] = {**review, "items": items}
    record["observations"] = _valid_items(ctx.observations, Observation, "observations", ctx)
    record["attestations"] = _valid_items(ctx.attestations, Attestation, "attestations", ctx)
    return patient_from_data(record, source=ctx.source)


def _valid_items(items: list[Item], model: type[BaseModel], section: str, ctx: ImportContext) -> list[Any]:
    out = []
    for item in items:
        try:
            out.append(model.model_validate(item.data))
        except ValidationError as exc:
            first = exc.errors()[0]
            ctx.unmapped(
                item.resource,
                json_path(tuple(first["loc"])).replace("$", section, 1),
                f"{first['msg']}",
                section=section if section in SECTIONS else None,
            )
    return out


def _attach_ki67(ctx: ImportContext) -> None:
    diagnoses = ctx.items["diagnoses"]
    for label, focus, value in ctx.ki67:
        targets = [d for d in diagnoses if focus is not None and d.key == focus] if focus else diagnoses
        if len(targets) != 1:
            ctx.unmapped(
                label, "Observation.focus", "Ki-67 that cannot be attached to exactly one primary cancer condition"
            )
            continue
        if not focus:
            ctx.report(
                "inferred",
                label,
                "Observation.focus",
                f"Ki-67 attached to the only primary cancer condition, {targets[0].resource}",
            )
        targets[0].data.setdefault("ki67_percent", value)


def _inferred_lines(ctx: ImportContext, rule: LineRule, *, numbered: bool) -> list[Item]:
    items = []
    for number, line in enumerate(group_lines(ctx.exposures, rule), start=1):
        data: dict[str, Any] = {"agents": line.agents, "ongoing": line.ongoing}
        if line.first_dose is not None:
            data["first_dose"] = line.first_dose
        if line.last_dose is not None:
            data["last_dose"] = line.last_dose
        elif not line.ongoing:
            ctx.report(
                "caution",
                ", ".join(line.resources),
                "therapy line",
                f"the last dose of {', '.join(line.agents)} is not known: {LAST_DOSE_UNKNOWN}",
            )
        if numbered and line.first_dose is not None:
            data["line"] = number
        shown = f"line {number}" if numbered else "a line"
        ctx.report(
            "inferred",
            ", ".join(line.resources),
            "therapy line",
            f"{shown} grouped by date ({', '.join(line.agents)}; {line.first_dose or '?'} to {line.last_dose or '?'}): {line.reason}. Response and progression are not inferred from medications (a worsened mCODE CancerDiseaseStatus gives progression)",
        )
        items.append(Item(line.resources[0], None, data))
    return items
