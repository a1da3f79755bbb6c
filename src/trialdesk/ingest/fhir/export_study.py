"""A computable protocol -> FHIR R4 ResearchStudy + enrolment Group; a screening result ->
ResearchSubject + one Observation per criterion. Both are validated by fhir.resources.

Protocol (docs/fhir.md §5): the Group is definitional (`actual: false`); each criterion is a
characteristic whose `code` names the criterion (trialdesk `criterion` code system, text =
the verbatim source sentence), whose `valueCodeableConcept.text` is the computable rule
(each reading's rule, labelled, when there are readings), with the LOINC, ICD-O-3, ICD-10,
RxNorm and ATC codes of the labs, histologies, conditions and drugs the rule names; `exclude`
is true for an exclusion criterion.

Screening (§6): ResearchSubject.status is `eligible`, `ineligible`, or `candidate` (the
record cannot yet tell). Each criterion's verdict is an Observation whose `focus` is the
ResearchSubject, `code` the criterion, `valueCodeableConcept` the verdict (pass | fail |
unknown, trialdesk `verdict` code system), `note` the evidence and the needs, and one
`component` per reading.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from trialdesk.ingest.fhir.terms import ATC, ICDO3, LOINC, NCT, RXNORM, TD_EXTENSION, TD_RECORD_ID, td_system
from trialdesk.knowledge.base import Knowledge
from trialdesk.protocol.load import LoadedProtocol
from trialdesk.protocol.model import Criterion
from trialdesk.screening.result import ScreeningResult

# ClinicalTrials.gov overall status -> FHIR R4 research-study-status
_STUDY_STATUS = {
    "NOT_YET_RECRUITING": "approved",
    "RECRUITING": "active",
    "ENROLLING_BY_INVITATION": "active",
    "ACTIVE_NOT_RECRUITING": "closed-to-accrual",
    "SUSPENDED": "temporarily-closed-to-accrual",
    "COMPLETED": "completed",
    "TERMINATED": "administratively-completed",
    "WITHDRAWN": "withdrawn",
}
_SUBJECT_STATUS = {"eligible": "eligible", "ineligible": "ineligible", "undetermined": "candidate"}
_NAMESPACE = uuid.UUID("0b5f8f0e-8f7a-4f3b-a2b4-7c9c0f6f2d21")


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(parts))}"


def _validated(entries: list[dict[str, Any]]) -> dict[str, Any]:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def rule_codes(rule: str, knowledge: Knowledge) -> list[dict[str, str]]:
    """The standard codes of the labs, histologies, conditions and drugs a rule names."""
    out: list[dict[str, str]] = []
    for word in dict.fromkeys(re.findall(r"[a-z][a-z0-9_]*", rule)):
        if (lab := knowledge.labs.get(word)) and lab.loinc:
            out.append({"system": LOINC, "code": lab.loinc[0], "display": lab.name})
        if (histology := knowledge.histologies.get(word)) and histology.icdo3:
            out.append({"system": ICDO3, "code": histology.icdo3, "display": histology.name})
        if (condition := knowledge.conditions.get(word)) and "icd10" in condition.codes:
            out.append(
                {
                    "system": "http://hl7.org/fhir/sid/icd-10",
                    "code": condition.codes["icd10"],
                    "display": condition.name,
                }
            )
        if drug := knowledge.drugs.get(word):
            if drug.rxnorm:
                out.append({"system": RXNORM, "code": drug.rxnorm, "display": drug.name})
            if drug.atc:
                out.append({"system": ATC, "code": drug.atc, "display": drug.name})
    return out


def _characteristic(criterion: Criterion, trial: str, knowledge: Knowledge) -> dict[str, Any]:
    if criterion.rule is not None:
        rule_text = criterion.rule
    else:
        rule_text = " | ".join(f"{r.label}: {r.rule}" for r in criterion.readings)
    coding = rule_codes(rule_text, knowledge)
    return {
        "code": {
            "coding": [{"system": td_system(f"criterion/{trial}"), "code": criterion.id, "display": criterion.title}],
            "text": criterion.source,
        },
        "valueCodeableConcept": {**({"coding": coding} if coding else {}), "text": rule_text},
        "exclude": criterion.kind == "exclusion",
    }


def protocol_bundle(loaded: LoadedProtocol, knowledge: Knowledge) -> dict[str, Any]:
    """The protocol as a Bundle of its ResearchStudy and enrolment Group."""
    p = loaded.protocol
    group_url = _urn(p.id, "Group")
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": False,
        "name": f"{p.id} eligible population",
        "characteristic": [_characteristic(c, p.id, knowledge) for c in p.criteria],
    }
    study = {
        "resourceType": "ResearchStudy",
        "identifier": [{"system": NCT, "value": p.id}],
        "title": p.title,
        "status": _STUDY_STATUS.get(p.status, "in-review"),
        "phase": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/research-study-phase", "code": f"phase-{p.phase}"}
            ]
        }
        if p.phase in ("1", "2", "3", "4")
        else None,
        "description": p.population,
        "enrollment": [{"reference": group_url}],
        "sponsor": {"display": p.sponsor},
        "arm": [{"name": p.arm.name, "description": p.arm.source}],
        "extension": [{"url": TD_EXTENSION + "protocol_sha256", "valueString": loaded.sha256}],
    }
    study = {k: v for k, v in study.items() if v is not None}
    return _validated(
        [{"fullUrl": _urn(p.id, "ResearchStudy"), "resource": study}, {"fullUrl": group_url, "resource": group}]
    )


def screening_bundle(result: ScreeningResult) -> dict[str, Any]:
    """A screening result as a Bundle of a ResearchSubject and one Observation per criterion."""
    subject_url = _urn(result.trial, result.patient_id, result.as_of.isoformat(), "ResearchSubject")
    individual = {"identifier": {"system": TD_RECORD_ID, "value": result.patient_id}, "display": result.patient_id}
    extensions = [
        {"url": TD_EXTENSION + "protocol_sha256", "valueString": result.protocol_sha256},
        {"url": TD_EXTENSION + "as_of", "valueDate": result.as_of.isoformat()},
        {"url": TD_EXTENSION + "first_dose", "valueDate": result.first_dose.isoformat()},
        {"url": TD_EXTENSION + "screening_status", "valueCode": result.status},
    ]
    for name in ("earliest_eligible_date", "expires_on"):
        if (value := getattr(result, name)) is not None:
            extensions.append({"url": TD_EXTENSION + name, "valueDate": value.isoformat()})
    subject = {
        "resourceType": "ResearchSubject",
        "extension": extensions,
        "status": _SUBJECT_STATUS[result.status],
        "study": {"identifier": {"system": NCT, "value": result.trial}, "display": result.title},
        "individual": individual,
    }
    entries = [{"fullUrl": subject_url, "resource": subject}]
    for c in result.criteria:
        notes = [e.text for e in c.evidence] + [f"needs: {n.what}" for n in c.needs]
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{"system": td_system("screening"), "code": c.kind}]}],
            "code": {
                "coding": [{"system": td_system(f"criterion/{result.trial}"), "code": c.id, "display": c.title}],
                "text": c.source,
            },
            "subject": individual,
            "focus": [{"reference": subject_url}],
            "effectiveDateTime": result.as_of.isoformat(),
            "valueCodeableConcept": {"coding": [{"system": td_system("verdict"), "code": c.verdict}]},
            "note": [{"text": text} for text in notes] or None,
            "component": [
                {
                    "code": {"text": f"reading: {r.label}"},
                    "valueCodeableConcept": {"coding": [{"system": td_system("verdict"), "code": r.verdict}]},
                }
                for r in c.readings
            ]
            or None,
        }
        entries.append(
            {"fullUrl": _urn(subject_url, c.id), "resource": {k: v for k, v in observation.items() if v is not None}}
        )
    return _validated(entries)
