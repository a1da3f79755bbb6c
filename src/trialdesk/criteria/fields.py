"""The attributes a rule can read of an item (`agent.class`, `measurable`, `site`) or of
the patient (`patient.sex`), and how each is found in the record.

An attribute is either a field of the item's record model or a derived attribute named
here; `attribute_names` lists what each collection offers, so a protocol that names
anything else is refused on load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from trialdesk.knowledge.base import Knowledge
from trialdesk.knowledge.entries import Drug
from trialdesk.patient import record

ITEM_MODELS: dict[str, type[record.Fact]] = {
    "diagnosis": record.Diagnosis,
    "metastasis": record.Metastasis,
    "therapy": record.TherapyLine,
    "medication": record.Medication,
    "procedure": record.Procedure,
    "condition": record.Condition,
    "adverse_event": record.AdverseEvent,
    "vaccination": record.Vaccination,
    "lesion": record.Lesion,
    "specimen": record.Specimen,
}

AGENT_ATTRIBUTES = ("class", "target", "is_adc", "payload", "contains", "cyp3a4")
DERIVED: dict[str, tuple[str, ...]] = {
    "diagnosis": ("histology.family", "histology.differentiation", "histology.grade"),
    "therapy": tuple(f"agent.{a}" for a in AGENT_ATTRIBUTES),
    "medication": tuple(f"agent.{a}" for a in AGENT_ATTRIBUTES),
    "vaccination": ("vaccine.live",),
    "lesion": ("measurable",),
    "condition": ("active",),
    "adverse_event": ("active",),
    "procedure": ("date",),
}
_DERIVED_NAMES = frozenset({"measurable", "active", "date"})
PATIENT_ATTRIBUTES = ("sex", "childbearing_potential", "pregnant", "lactating", "fertile_partner")


def attribute_names(collection: str | None) -> frozenset[str]:
    """Every attribute a rule may name inside `collection` (None: outside any quantifier)."""
    patient = {f"patient.{a}" for a in PATIENT_ATTRIBUTES}
    if collection is None:
        return frozenset(patient)
    own = set(ITEM_MODELS[collection].model_fields) - {"present"}
    return frozenset(own | set(DERIVED.get(collection, ())) | patient)


class Item(NamedTuple):
    """The item a quantifier is looking at. `denial` marks a documented absence
    (present: false), whose missing details match anything: "no MI" denies every MI."""

    collection: str
    value: Any
    path: str
    denial: bool = False


@dataclass(frozen=True, slots=True)
class Resolved:
    """An attribute's value (None when the record does not say) and where it was read."""

    value: Any
    path: str
    missing: str | None = None  # what to record when the value is unknown


def _agents(item: Item) -> tuple[str, ...]:
    if item.collection == "therapy":
        agents: tuple[str, ...] = item.value.agents
        return agents
    return (item.value.agent,)


def drug_attribute(drug: Drug, name: str) -> Any:
    if name == "class":
        return drug.classes | ({"adc"} if drug.adc else set())
    if name == "target":
        return drug.targets
    if name == "is_adc":
        return drug.adc
    if name == "payload":
        return drug.payload_class
    if name == "contains":
        return drug.contains
    return drug.cyp3a4  # name == "cyp3a4"


def agent_values(item: Item, find_drug: Callable[[str], Drug | None]) -> list[tuple[str, str, Drug | None]]:
    """Each agent of a therapy line or medication: (name, path, drug or None if unknown)."""
    field = "agents" if item.collection == "therapy" else "agent"
    out = []
    for i, name in enumerate(_agents(item)):
        path = f"{item.path}.{field}[{i}]" if item.collection == "therapy" else f"{item.path}.{field}"
        out.append((name, path, find_drug(name)))
    return out


def resolve(path: tuple[str, ...], item: Item | None, patient: record.Patient, knowledge: Knowledge) -> Resolved:
    """Read one non-agent attribute. Agent attributes are read per agent by the evaluator."""
    if path[0] == "patient":
        return _patient_attribute(path[1], patient)
    assert item is not None  # protocol validation puts item attributes inside quantifiers
    value = item.value
    if len(path) == 1 and path[0] not in _DERIVED_NAMES:
        # a field of the record itself: the common case, read directly
        attribute = value.__dict__[path[0]]
        missing = None if attribute is not None else path[0].replace("_", " ")
        return Resolved(attribute, f"{item.path}.{path[0]}", missing)
    name = ".".join(path)
    where = f"{item.path}.{path[0]}"
    if name.startswith("histology."):
        entry = knowledge.histologies.get(value.histology)
        attribute = getattr(entry, path[1]) if entry else None
        return Resolved(
            attribute, f"{item.path}.histology", None if attribute else f"the WHO {path[1]} of {value.histology}"
        )
    if name == "vaccine.live":
        vaccine = knowledge.find_vaccine(value.vaccine)
        live = vaccine.live if vaccine else value.live
        return Resolved(
            live,
            f"{item.path}.vaccine",
            None if live is not None else f"whether vaccine {value.vaccine!r} is live (not in the knowledge base)",
        )
    if name == "measurable":
        return _measurable(item)
    if name == "active":
        return _active(item)
    if name == "date" and item.collection == "procedure":
        day: date | None = value.ended_on or value.performed_on
        return Resolved(day, f"{item.path}.performed_on", None if day else "the date of the procedure")
    attribute = getattr(value, path[0])
    return Resolved(attribute, where, None if attribute is not None else f"{path[0].replace('_', ' ')}")


def _patient_attribute(name: str, patient: record.Patient) -> Resolved:
    if name == "sex":
        sex = patient.sex if patient.sex in ("female", "male") else None
        return Resolved(sex, "$.sex", None if sex else "sex")
    value = getattr(patient.reproductive, name)
    return Resolved(value, f"$.reproductive.{name}", None if value is not None else name.replace("_", " "))


def _measurable(item: Item) -> Resolved:
    # RECIST 1.1 §3.1.1 (Eisenhauer 2009): a non-nodal lesion is measurable with a longest
    # diameter ≥ 10 mm by CT (slice ≤ 5 mm) or calipers, ≥ 20 mm on chest X-ray; a lymph
    # node with a short axis ≥ 15 mm by CT.
    lesion: record.Lesion = item.value
    if lesion.lymph_node:
        size = lesion.short_axis_mm
        if size is None:
            return Resolved(None, f"{item.path}.short_axis_mm", "short axis of the lymph node (mm)")
        return Resolved(size >= Decimal(15), f"{item.path}.short_axis_mm")
    size = lesion.longest_diameter_mm
    if size is None:
        return Resolved(None, f"{item.path}.longest_diameter_mm", "longest diameter of the lesion (mm)")
    minimum = Decimal(20) if lesion.method == "x_ray" else Decimal(10)
    return Resolved(size >= minimum, f"{item.path}.longest_diameter_mm")


def _active(item: Item) -> Resolved:
    value = item.value
    if item.collection == "adverse_event":
        if value.resolved is not None:
            return Resolved(not value.resolved, f"{item.path}.resolved")
        if value.resolved_on is not None:
            return Resolved(False, f"{item.path}.resolved_on")
        return Resolved(None, f"{item.path}.resolved", "whether the adverse event has resolved")
    if value.status is not None:
        return Resolved(value.status == "active", f"{item.path}.status")
    if value.resolved_on is not None:
        return Resolved(False, f"{item.path}.resolved_on")
    return Resolved(None, f"{item.path}.status", "whether the condition is active or resolved")


def _label(collection: str, v: Any) -> str:
    if collection == "diagnosis":
        return f"diagnosis {v.histology}"
    if collection == "metastasis":
        return f"{v.site} metastasis"
    if collection == "therapy":
        return "therapy " + " + ".join(v.agents)
    if collection == "medication":
        return f"medication {v.agent}"
    if collection == "procedure":
        return str(v.type)
    if collection == "condition":
        return str(v.category).replace("_", " ")
    if collection == "adverse_event":
        return f"adverse event {v.term} grade {v.grade}"
    if collection == "vaccination":
        return f"vaccination {v.vaccine}"
    if collection == "lesion":
        return f"lesion {v.id} ({v.site})"
    return f"{v.type} specimen"


def describe(item: Item) -> str:
    """A short label of an item for evidence lines."""
    label = _label(item.collection, item.value)
    return f"documented absence of {label}" if item.denial else label
