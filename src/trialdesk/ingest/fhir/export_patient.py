"""A patient record -> a FHIR R4 collection Bundle that `import_fhir` reads back unchanged.

Standard elements carry what FHIR R4 and mCODE define (gender, birthDate, LOINC-coded
Observations with UCUM quantities and reference ranges, mCODE cancer conditions with
histology and body site, RxNorm/ATC-coded medications, CVX-coded immunizations, SNOMED CT
procedures); what they do not define (attestations, section reviews, line-level facts,
record qualifiers) travels in trialdesk's code systems and extensions (docs/fhir.md §4).
Every section becomes a List: reviewed and complete (`snapshot`, emptyReason `nilknown`
when empty), partial (`working`), or never collected (emptyReason `notasked`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from trialdesk.ingest.fhir.context import SECTIONS
from trialdesk.ingest.fhir.elements import extension_json, extras_json, number
from trialdesk.ingest.fhir.medications import THERAPY_LINE
from trialdesk.ingest.fhir.terms import (
    ATC,
    CLINICAL_STATUS,
    CVX,
    ICDO3,
    LIST_EMPTY_REASON,
    LOINC,
    MCODE_HISTOLOGY,
    MCODE_PRIMARY,
    MCODE_SECONDARY,
    RXNORM,
    SNOMED,
    TD_RECORD_ID,
    UCUM,
    VERIFICATION_STATUS,
    FhirTerms,
    td_system,
)
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.record import Observation, Patient

_NAMESPACE = uuid.UUID("6f1c63a4-7d0f-4a5e-9a43-2f1f3f0b8e11")  # trialdesk export ids


class _Writer:
    """Collects the entries of one export; ids are stable for the same record."""

    def __init__(self, patient: Patient, knowledge: Knowledge, terms: FhirTerms) -> None:
        self.patient = patient
        self.knowledge = knowledge
        self.terms = terms
        self.entries: list[dict[str, Any]] = []
        self.subject = {"reference": self.url("Patient", "patient")}

    def url(self, kind: str, local: str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.patient.id}/{kind}/{local}')}"

    def add(self, kind: str, local: str, resource: dict[str, Any]) -> str:
        full_url = self.url(kind, local)
        self.entries.append({"fullUrl": full_url, "resource": {"resourceType": kind, **resource}})
        return full_url


def patient_bundle(patient: Patient, knowledge: Knowledge, terms: FhirTerms) -> dict[str, Any]:
    """The record as a FHIR R4 collection Bundle (JSON), validated by fhir.resources."""
    w = _Writer(patient, knowledge, terms)
    _demographics(w)
    _sections(w)
    for index, obs in enumerate(patient.observations):
        w.add("Observation", f"obs-{index}", _observation(obs, w))
    for index, att in enumerate(patient.attestations):
        w.add("Observation", f"attestation-{index}", _attestation(att, w))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": w.entries}
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _demographics(w: _Writer) -> None:
    p = w.patient
    resource: dict[str, Any] = {"identifier": [{"system": TD_RECORD_ID, "value": p.id}], "gender": p.sex}
    if p.birth_date:
        resource["birthDate"] = p.birth_date.isoformat()
    w.add("Patient", "patient", resource)
    rep = p.reproductive
    components = [
        {"code": {"coding": [_coding(td_system("record"), name)]}, "valueBoolean": value}
        for name in ("childbearing_potential", "pregnant", "lactating", "fertile_partner")
        if (value := getattr(rep, name)) is not None
    ]
    if components or rep.assessed_on:
        resource = {
            "status": "final",
            "code": {"coding": [_coding(td_system("record"), "reproductive")]},
            "subject": w.subject,
        }
        if rep.assessed_on:
            resource["effectiveDateTime"] = rep.assessed_on.isoformat()
        w.add("Observation", "reproductive", {**resource, **({"component": components} if components else {})})


def _site(w: _Writer, site: str) -> dict[str, Any]:
    concept = w.knowledge.sites.get(site)
    coding = [_coding(td_system("site"), site, concept.name if concept else None)]
    if concept and "icdo3_topography" in concept.codes:
        coding.append(_coding(ICDO3, concept.codes["icdo3_topography"]))
    if concept and "snomed" in concept.codes:
        coding.append(_coding(SNOMED, concept.codes["snomed"]))
    return {"coding": coding}


def _quantity(value: Any, unit: str, terms: FhirTerms) -> dict[str, Any]:
    ucum = {spelling: code for code, spelling in terms.ucum.items()}.get(unit, unit)
    return {"value": number(value), "unit": unit, "system": UCUM, "code": ucum}


def _observation(obs: Observation, w: _Writer) -> dict[str, Any]:
    lab = w.knowledge.lab(obs.code)
    coding = [_coding(LOINC, obs.code if obs.code in lab.loinc else lab.loinc[0], lab.name)] if lab.loinc else []
    if obs.code == lab.code:
        coding.append(_coding(td_system("lab"), lab.code, lab.name))
    out: dict[str, Any] = {
        "status": "final",
        "code": {"coding": coding},
        "subject": w.subject,
        "effectiveDateTime": obs.date.isoformat(),
    }
    native = {"code", "date", "value", "unit", "reference_range", "method"}
    if obs.value is not None and obs.unit:
        out["valueQuantity"] = _quantity(obs.value, obs.unit, w.terms)
    elif obs.result is not None:
        snomed = {word: code for code, word in w.terms.results.items()}.get(obs.result)
        coding = [_coding(SNOMED, snomed)] if snomed else []
        out["valueCodeableConcept"] = {
            "coding": [*coding, _coding(td_system("result"), obs.result)],
            "text": obs.result,
        }
        native.add("result")
    if obs.method:
        out["method"] = {"text": obs.method}
    rr = obs.reference_range
    if rr is not None and (rr.low is not None or rr.high is not None):
        unit = rr.unit or obs.unit
        out["referenceRange"] = [
            {
                bound: _quantity(getattr(rr, bound), unit, w.terms) if unit else {"value": number(getattr(rr, bound))}
                for bound in ("low", "high")
                if getattr(rr, bound) is not None
            }
        ]
    extras = extras_json(obs, native)
    return {**out, **({"extension": extras} if extras else {})}


def _attestation(att: Any, w: _Writer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": "final",
        "code": {"coding": [_coding(td_system("attestation"), att.topic)]},
        "subject": w.subject,
        "effectiveDateTime": att.on.isoformat(),
        "performer": [{"display": att.by}],
    }
    native = {"topic", "on", "by", "quantity", "unit"}
    if att.quantity is not None:
        ucum = {"days": "d", "weeks": "wk", "months": "mo", "years": "a"}
        out["valueQuantity"] = {
            "value": number(att.quantity),
            **({"unit": att.unit, "system": UCUM, "code": ucum[att.unit]} if att.unit else {}),
        }
        extras = extras_json(att, native)
    else:
        out["valueBoolean"] = att.value
        extras = extras_json(att, native | {"value"})
    return {**out, **({"extension": extras} if extras else {})}


def _sections(w: _Writer) -> None:
    p = w.patient
    writers = {
        "diagnoses": _diagnosis,
        "metastases": _metastasis,
        "medications": _medication,
        "procedures": _procedure,
        "history": _condition,
        "adverse_events": _adverse_event,
        "vaccinations": _vaccination,
        "lesions": _lesion,
        "specimens": _specimen,
    }
    for name in SECTIONS:
        section = getattr(p, name)
        refs: list[str] = []
        for index, item in enumerate(section.items):
            if name == "therapies":
                refs += _therapy_line(item, index, w)
            else:
                kind, resource = writers[name](item, w)
                refs.append(w.add(kind, f"{name}-{index}", resource))
        _list(w, name, section, refs)


def _list(w: _Writer, name: str, section: Any, refs: list[str]) -> None:
    resource: dict[str, Any] = {
        "status": "current",
        "mode": "snapshot" if section.complete else "working",
        "title": name,
        "code": {"coding": [_coding(td_system("section"), name)]},
        "subject": w.subject,
    }
    if section.reviewed_on:
        resource["date"] = section.reviewed_on.isoformat()
    if section.reviewed_by:
        resource["source"] = {"display": section.reviewed_by}
    if refs:
        resource["entry"] = [{"item": {"reference": ref}} for ref in refs]
    else:
        reason = "nilknown" if section.complete else "notasked"
        resource["emptyReason"] = {"coding": [_coding(LIST_EMPTY_REASON, reason)]}
    w.add("List", f"section-{name}", resource)


def _with_extras(resource: dict[str, Any], item: Any, native: set[str]) -> dict[str, Any]:
    extras = extras_json(item, native)
    if extras:
        resource["extension"] = [*resource.get("extension", []), *extras]
    return resource


def _diagnosis(d: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    histology = w.knowledge.histologies.get(d.histology)
    coding = [_coding(td_system("histology"), d.histology, histology.name if histology else None)]
    if histology and histology.icdo3:
        coding.insert(0, _coding(ICDO3, histology.icdo3))
    resource: dict[str, Any] = {
        "meta": {"profile": [MCODE_PRIMARY]},
        "extension": [{"url": MCODE_HISTOLOGY, "valueCodeableConcept": {"coding": coding}}],
        "category": [
            {"coding": [_coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")]}
        ],
        "code": {"text": histology.name if histology else d.histology},
        "subject": w.subject,
    }
    if d.primary_site:
        resource["bodySite"] = [_site(w, d.primary_site)]
    if d.diagnosed_on:
        resource["onsetDateTime"] = d.diagnosed_on.isoformat()
    return "Condition", _with_extras(resource, d, {"histology", "primary_site", "diagnosed_on"})


def _metastasis(m: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    resource: dict[str, Any] = {
        "meta": {"profile": [MCODE_SECONDARY]},
        "verificationStatus": {"coding": [_coding(VERIFICATION_STATUS, "confirmed" if m.present else "refuted")]},
        "code": {"coding": [_coding(SNOMED, "128462008", "Secondary malignant neoplastic disease")]},
        "bodySite": [_site(w, m.site)],
        "subject": w.subject,
    }
    if m.diagnosed_on:
        resource["onsetDateTime"] = m.diagnosed_on.isoformat()
    return "Condition", _with_extras(resource, m, {"site", "present", "diagnosed_on"})


def _condition(c: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    concept = w.knowledge.conditions.get(c.category)
    coding = [_coding(td_system("condition"), c.category, concept.name if concept else None)]
    if concept and "icd10" in concept.codes:
        coding.append(_coding("http://hl7.org/fhir/sid/icd-10", concept.codes["icd10"]))
    resource: dict[str, Any] = {
        "verificationStatus": {"coding": [_coding(VERIFICATION_STATUS, "confirmed" if c.present else "refuted")]},
        "code": {"coding": coding},
        "subject": w.subject,
    }
    native = {"category", "present", "onset", "resolved_on", "status", "severity", "note"}
    if c.status:
        resource["clinicalStatus"] = {"coding": [_coding(CLINICAL_STATUS, c.status)]}
    if c.onset:
        resource["onsetDateTime"] = c.onset.isoformat()
    if c.resolved_on:
        resource["abatementDateTime"] = c.resolved_on.isoformat()
    if c.severity:
        code = {word: code for code, word in w.terms.severity.items()}[c.severity]
        resource["severity"] = {"coding": [_coding(SNOMED, code)]}
    if c.note:
        resource["note"] = [{"text": c.note}]
    return "Condition", _with_extras(resource, c, native)


def _drug_concept(name: str, w: _Writer) -> dict[str, Any]:
    drug = w.knowledge.find_drug(name)
    coding = []
    if drug is not None:
        if drug.rxnorm:
            coding.append(_coding(RXNORM, drug.rxnorm, drug.name))
        if drug.atc:
            coding.append(_coding(ATC, drug.atc))
        coding.append(_coding(td_system("drug"), drug.id))
    return {**({"coding": coding} if coding else {}), "text": name}


def _therapy_line(line: Any, index: int, w: _Writer) -> list[str]:
    group = f"therapies-{index}"
    facts = [{"url": "group", "valueString": group}]
    for ext in extras_json(line, {"agents", "first_dose", "last_dose", "ongoing"}):
        facts.append({**ext, "url": ext["url"].rsplit("/", 1)[-1]})
    refs = []
    for position, agent in enumerate(line.agents):
        resource: dict[str, Any] = {
            "extension": [{"url": THERAPY_LINE, "extension": facts}],
            "status": "active" if line.ongoing else "completed",
            "category": {"coding": [_coding(td_system("medication-use"), "anti-cancer")]},
            "medicationCodeableConcept": _drug_concept(agent, w),
            "subject": w.subject,
        }
        period = {k: v.isoformat() for k, v in (("start", line.first_dose), ("end", line.last_dose)) if v}
        if period:
            resource["effectivePeriod"] = period
        refs.append(w.add("MedicationStatement", f"{group}-{position}", resource))
    return refs


def _medication(m: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    status = "intended" if m.planned else "active" if m.ongoing else "completed" if m.ongoing is False else "unknown"
    resource: dict[str, Any] = {
        "status": status,
        "category": {"coding": [_coding(td_system("medication-use"), "concomitant")]},
        "medicationCodeableConcept": _drug_concept(m.agent, w),
        "subject": w.subject,
    }
    period = {k: v.isoformat() for k, v in (("start", m.start), ("end", m.stop)) if v}
    if period:
        resource["effectivePeriod"] = period
    if m.route:
        code = {word: code for code, word in w.terms.routes.items()}.get(m.route)
        resource["dosage"] = [
            {"route": {"coding": [_coding(SNOMED, code) if code else _coding(td_system("route"), m.route)]}}
        ]
    if m.indication:
        resource["reasonCode"] = [{"text": m.indication}]
    # ongoing and planned also travel as extensions: the status alone cannot say both
    return "MedicationStatement", _with_extras(resource, m, {"agent", "start", "stop", "route", "indication"})


def _procedure(p: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    snomed = {word: code for code, word in w.terms.procedures.items()}.get(p.type)
    coding = [_coding(SNOMED, snomed)] if snomed else []
    resource: dict[str, Any] = {
        "status": "completed" if p.present else "not-done",
        "code": {"coding": [*coding, _coding(td_system("procedure"), p.type)]},
        "subject": w.subject,
    }
    native = {"type", "present", "performed_on", "ended_on", "site"}
    if p.ended_on:
        resource["performedPeriod"] = {
            k: v.isoformat() for k, v in (("start", p.performed_on), ("end", p.ended_on)) if v
        }
    elif p.performed_on:
        resource["performedDateTime"] = p.performed_on.isoformat()
    if p.site:
        resource["bodySite"] = [_site(w, p.site)]
    return "Procedure", _with_extras(resource, p, native)


def _vaccination(v: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    vaccine = w.knowledge.find_vaccine(v.vaccine)
    coding = [_coding(CVX, vaccine.cvx[0])] if vaccine and vaccine.cvx else []
    resource: dict[str, Any] = {
        "status": "completed",
        "vaccineCode": {**({"coding": coding} if coding else {}), "text": v.vaccine},
        "patient": w.subject,
    }
    if v.date:
        resource["occurrenceDateTime"] = v.date.isoformat()
    else:
        resource["occurrenceString"] = "date not recorded"
    return "Immunization", _with_extras(resource, v, {"vaccine", "date"})


def _adverse_event(a: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    resource: dict[str, Any] = {"actuality": "actual", "event": {"text": a.term}, "subject": w.subject}
    if a.onset:
        resource["date"] = a.onset.isoformat()
    return "AdverseEvent", _with_extras(resource, a, {"term", "onset", "lab", "graded_by"})


def _lesion(lesion: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    resource: dict[str, Any] = {
        "status": "final",
        "code": {"coding": [_coding(td_system("record"), "lesion")]},
        "identifier": [{"value": lesion.id}],
        "bodySite": _site(w, lesion.site),
        "subject": w.subject,
    }
    if lesion.measured_on:
        resource["effectiveDateTime"] = lesion.measured_on.isoformat()
    return "Observation", _with_extras(resource, lesion, {"id", "site", "measured_on"})


def _specimen(s: Any, w: _Writer) -> tuple[str, dict[str, Any]]:
    resource: dict[str, Any] = {"type": {"coding": [_coding(td_system("specimen"), s.type)]}, "subject": w.subject}
    if s.collected_on:
        resource["collection"] = {"collectedDateTime": s.collected_on.isoformat()}
    return "Specimen", _with_extras(resource, s, {"type", "collected_on"})


__all__ = ["extension_json", "patient_bundle"]
