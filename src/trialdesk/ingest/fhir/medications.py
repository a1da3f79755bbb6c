"""MedicationAdministration / MedicationStatement / MedicationRequest -> lines of systemic
anti-cancer therapy and concomitant medications.

The agent is named by its RxNorm or ATC code when the knowledge base lists it, else by its
text. A drug the knowledge base does not know keeps the name the source gives it, so every
criterion that reads it stays unknown (unknown drugs stay unknown); it is reported.

Where it goes: a resource with trialdesk's `therapy-line` extension, or category
`anti-cancer`, is therapy; category `concomitant` is a concomitant medication; otherwise a
known drug of class anti_tumour is therapy and anything else (an unknown drug included) a
concomitant medication, reported. Lines the source does not state are grouped by date
(`lines.py`) and reported as inferences.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from trialdesk.ingest.fhir.context import ImportContext, Item
from trialdesk.ingest.fhir.elements import (
    apply_extras,
    codings,
    concept_text,
    day,
    describe_codes,
    extension_value,
    period_days,
)
from trialdesk.ingest.fhir.lines import LAST_DOSE_UNKNOWN, Exposure, last_dose
from trialdesk.ingest.fhir.terms import ATC, RXNORM, SNOMED, TD_EXTENSION, td_system
from trialdesk.knowledge.entries import Drug
from trialdesk.patient.record import Medication, TherapyLine

THERAPY_LINE = TD_EXTENSION + "therapy-line"
_SKIPPED = {"entered-in-error", "not-taken", "not-done", "cancelled"}
_ONGOING = {"active", "in-progress", "on-hold"}
_PLANNED = {"intended", "draft"}


def map_medication_use(res: Any, label: str, ctx: ImportContext) -> None:
    kind = res.get_resource_type()
    ctx.check_subject(res.subject, label, f"{kind}.subject")
    if res.status in _SKIPPED:
        ctx.report("unmapped", label, f"{kind}.status", f"status {res.status!r}: not a medication the patient had")
        return
    concept = _medication_concept(res, label, ctx)
    agent, drug = _agent(concept, label, f"{kind}.medication[x]", ctx)
    start, end = _dates(res)
    line = next((ext for ext in res.extension or () if ext.url == THERAPY_LINE), None)
    category = {code for c in _categories(res) for s, code, _ in codings(c) if s == td_system("medication-use")}
    if (
        line is not None
        or "anti-cancer" in category
        or ("concomitant" not in category and drug and "anti_tumour" in drug.classes)
    ):
        if kind == "MedicationRequest":
            ctx.report(
                "caution",
                label,
                "MedicationRequest",
                "an order, not a record of administration: its dates are the order's",
            )
        ongoing = res.status in _ONGOING
        if line is not None:
            _stated_line(line, agent, start, end, ongoing, label, ctx)
        else:
            ctx.exposures.append(Exposure(agent, start, end, ongoing, label))
        return
    if drug is None and "concomitant" not in category:
        ctx.report(
            "caution",
            label,
            f"{kind}.medication[x]",
            f"{agent!r} is filed as a concomitant medication: nothing marks it as anti-cancer therapy",
        )
    data: dict[str, Any] = {"agent": agent}
    for name in apply_extras(data, res, Medication):
        ctx.report("unmapped", label, f"{kind}.extension", f"trialdesk extension {name!r} is not a medication field")
    data.setdefault("start", start)
    data.setdefault("stop", end)
    if res.status in _PLANNED:
        data.setdefault("planned", True)
    elif res.status in _ONGOING:
        data.setdefault("ongoing", True)
    elif res.status in {"completed", "stopped"}:
        data.setdefault("ongoing", False)
    route = route_of(res, dict(ctx.index.terms.routes))
    if route is not None:
        data["route"] = route
    reasons = getattr(res, "reasonCode", None) or ()
    if reasons and concept_text(reasons[0]):
        data["indication"] = concept_text(reasons[0])
    ctx.items["medications"].append(Item(label, None, {k: v for k, v in data.items() if v is not None}))


def _categories(res: Any) -> list[Any]:
    category = res.category
    if category is None:
        return []
    return list(category) if isinstance(category, list) else [category]


def _medication_concept(res: Any, label: str, ctx: ImportContext) -> Any:
    if res.medicationCodeableConcept is not None:
        return res.medicationCodeableConcept
    kind = res.get_resource_type()
    key = ctx.resolve(res.medicationReference, label, f"{kind}.medicationReference")
    medication = ctx.medications.get(key or "")
    return medication.code if medication is not None else None


def _agent(concept: Any, label: str, element: str, ctx: ImportContext) -> tuple[str, Drug | None]:
    """The agent's name for the record and the drug it denotes (None when unknown)."""
    knowledge = ctx.index.knowledge
    text = concept_text(concept)
    by_text = knowledge.find_drug(text) if text else None
    coded: set[str] = set()
    for system, code, _ in codings(concept):
        if system == td_system("drug") and code in knowledge.drugs:
            coded.add(code)
        elif system in (RXNORM, ATC):
            coded.update(ctx.index.drugs.get((system, code), ()))
    if by_text is not None and (not coded or by_text.id in coded):
        return str(text), by_text
    if len(coded) == 1:
        drug = knowledge.drugs[coded.pop()]
        if by_text is not None:
            ctx.report(
                "caution",
                label,
                element,
                f"text {text!r} names {by_text.id} but the code names {drug.id}: the code is used",
            )
        return drug.name, drug
    name = text or describe_codes(concept)
    why = "its codes name several drugs" if len(coded) > 1 else "it is not in the knowledge base"
    ctx.report(
        "caution",
        label,
        element,
        f"drug {name!r} ({describe_codes(concept)}): {why}; criteria that read it stay unknown",
    )
    return name, None


def _dates(res: Any) -> tuple[date | None, date | None]:
    if res.get_resource_type() == "MedicationRequest":
        bounds = None
        for dosage in res.dosageInstruction or ():
            if dosage.timing and dosage.timing.repeat and dosage.timing.repeat.boundsPeriod:
                bounds = dosage.timing.repeat.boundsPeriod
        start, end = period_days(bounds)
        return start or day(res.authoredOn), end
    single = day(res.effectiveDateTime)
    if single is not None:
        return single, single
    return period_days(res.effectivePeriod)


def _stated_line(
    line: Any, agent: str, start: date | None, end: date | None, ongoing: bool, label: str, ctx: ImportContext
) -> None:
    facts: dict[str, Any] = {}
    group = label
    for sub in line.extension or ():
        value = extension_value(sub)
        if sub.url == "group":
            group = str(value)
        elif sub.url in TherapyLine.model_fields:
            if "tuple" in str(TherapyLine.model_fields[sub.url].annotation):
                facts[sub.url] = [*facts.get(sub.url, ()), value]  # one sub-extension per element
            else:
                facts[sub.url] = value
        else:
            ctx.report("unmapped", label, "extension('therapy-line')", f"{sub.url!r} is not a therapy-line field")
    ctx.stated_lines[group].append((agent, start, end, ongoing, facts, label))


def stated_therapy_lines(ctx: ImportContext) -> list[Item]:
    """One record item per stated line, agents in the order the bundle lists them."""
    items = []
    for group, members in ctx.stated_lines.items():
        agents = tuple(dict.fromkeys(m[0] for m in members))
        starts = [m[1] for m in members if m[1] is not None]
        facts: dict[str, Any] = {}
        for member in members:
            for name, value in member[4].items():
                if facts.setdefault(name, value) != value:
                    ctx.report(
                        "caution",
                        member[5],
                        "extension('therapy-line')",
                        f"{name} differs within line {group!r}; the first is used",
                    )
        data = {
            "agents": agents,
            "first_dose": min(starts) if starts else None,
            "last_dose": last_dose([m[2] for m in members]),
        }
        data["ongoing"] = any(m[3] for m in members)
        data.update(facts)
        if data["last_dose"] is None and not data["ongoing"]:
            ctx.report(
                "caution",
                members[0][5],
                "extension('therapy-line')",
                f"the last dose of line {group!r} is not known: {LAST_DOSE_UNKNOWN}",
            )
        items.append(Item(members[0][5], group, {k: v for k, v in data.items() if v is not None}))
    return items


def route_of(res: Any, routes: dict[str, str]) -> str | None:
    kind = res.get_resource_type()
    if kind == "MedicationRequest":
        dosages = list(res.dosageInstruction or ())
    elif kind == "MedicationAdministration":
        dosages = [res.dosage] if res.dosage else []
    else:
        dosages = list(res.dosage or ())
    for dosage in dosages:
        for system, code, _ in codings(dosage.route):
            if system == SNOMED and code in routes:
                return routes[code]
            if system == td_system("route"):
                return code
    return None
