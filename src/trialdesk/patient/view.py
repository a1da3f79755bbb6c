"""A patient record checked against the knowledge base and indexed for evaluation.

Building the view is where bad data is refused: an unknown lab, histology, site or
condition code, a unit that does not convert, an impossible value, or a date after the
as-of date each raise a RecordError naming the field's JSON path. Drugs are the
exception: an unknown drug is not an error here but an unknown in every criterion that
reads it, reported with its path (new agents appear faster than any list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from trialdesk.errors import RecordError, TrialdeskError, UnitError
from trialdesk.knowledge.base import Knowledge
from trialdesk.knowledge.entries import Drug, Lab
from trialdesk.patient.record import Observation, Patient


@dataclass(frozen=True, slots=True)
class ObservationView:
    """One observation with its value in the lab's canonical unit and its record path."""

    observation: Observation
    lab: Lab
    path: str
    value: Decimal | None  # canonical unit
    text: str  # how evidence shows it, e.g. "haemoglobin 8.6 g/dL (= 86 g/L) on 2026-11-16"

    @property
    def date(self) -> date:
        return self.observation.date

    def describe(self) -> str:
        return self.text


def _describe(obs: Observation, lab: Lab, value: Decimal | None) -> str:
    if obs.value is None:
        return f"{lab.name} {obs.result} on {obs.date}"
    # an annotation unit such as {score} says what the number is, not how much
    unit = "" if (obs.unit or "").startswith("{") else f" {obs.unit}"
    shown = f"{lab.name} {_fmt(obs.value)}{unit}"
    if value is not None and lab.canonical_unit and value != obs.value:
        shown += f" (= {_fmt(value)} {lab.canonical_unit})"
    return f"{shown} on {obs.date}"


def _fmt(value: Decimal) -> str:
    text = (
        format(value.normalize(), "f")
        if value == value.to_integral_value()
        else format(round(value, 3).normalize(), "f")
    )
    return text


@dataclass(frozen=True)
class PatientView:
    patient: Patient
    observations: dict[str, tuple[ObservationView, ...]]  # lab code -> newest first
    drugs: dict[str, Drug | None]  # every agent name in the record -> its drug, None if unknown

    def latest(self, code: str) -> tuple[ObservationView, ...]:
        return self.observations.get(code, ())

    def drug(self, name: str) -> Drug | None:
        return self.drugs.get(name)


_VOCABULARY_COMMAND = {
    "histology": "histology",
    "site": "sites",
    "condition": "conditions",
    "attestation": "attestations",
}


def _check_codes(patient: Patient, knowledge: Knowledge) -> None:
    def need(vocab: dict[str, Any] | Any, code: str | None, path: str, name: str) -> None:
        if code is not None and code not in vocab:
            raise RecordError(
                path,
                f"unknown {name} code {code!r}",
                fix=f"use a {name} code listed by `trialdesk knowledge {_VOCABULARY_COMMAND[name]}`",
            )

    for i, dx in enumerate(patient.diagnoses.items):
        need(knowledge.histologies, dx.histology, f"$.diagnoses.items[{i}].histology", "histology")
        need(knowledge.sites, dx.primary_site, f"$.diagnoses.items[{i}].primary_site", "site")
    for i, met in enumerate(patient.metastases.items):
        need(knowledge.sites, met.site, f"$.metastases.items[{i}].site", "site")
    for i, cond in enumerate(patient.history.items):
        need(knowledge.conditions, cond.category, f"$.history.items[{i}].category", "condition")
    for i, proc in enumerate(patient.procedures.items):
        need(knowledge.sites, proc.site, f"$.procedures.items[{i}].site", "site")
    for i, lesion in enumerate(patient.lesions.items):
        need(knowledge.sites, lesion.site, f"$.lesions.items[{i}].site", "site")
    for i, att in enumerate(patient.attestations):
        need(knowledge.attestations, att.topic, f"$.attestations[{i}].topic", "attestation")


def _observation_view(obs: Observation, path: str, knowledge: Knowledge) -> ObservationView:
    lab = knowledge.lab(obs.code, where=f"{path}.code")
    value = None
    if obs.result is not None and lab.results and obs.result not in lab.results:
        raise RecordError(
            f"{path}.result",
            f"{obs.result!r} is not a result of {lab.name}",
            fix=f"use one of: {', '.join(lab.results)}",
        )
    if obs.value is not None:
        if lab.kind == "qualitative":
            raise RecordError(
                f"{path}.value", f"{lab.name} is qualitative", fix=f"give result: one of {', '.join(lab.results)}"
            )
        assert obs.unit is not None  # the record model requires a unit with a value
        try:
            value = knowledge.to_canonical(lab.code, obs.value, obs.unit, where=f"{path}.unit")
        except UnitError as exc:
            raise RecordError(f"{path}.unit", exc.message.split(": ", 1)[-1], fix=exc.fix) from None
        if lab.plausible and not lab.plausible[0] <= value <= lab.plausible[1]:
            low, high = lab.plausible
            raise RecordError(
                f"{path}.value",
                f"{lab.name} {obs.value} {obs.unit} is impossible (plausible {low}–{high} {lab.canonical_unit})",
                fix="check the value and its unit",
            )
        rr = obs.reference_range
        if rr is not None and rr.unit is not None and knowledge.unit_factor(lab.code, rr.unit) is None:
            raise RecordError(
                f"{path}.reference_range.unit",
                f"unit {rr.unit!r} does not convert for {lab.name}",
                fix=f"use one of: {', '.join(lab.units)}",
            )
    return ObservationView(obs, lab, path, value, _describe(obs, lab, value))


def _future_dates(data: Any, as_of: date, path: str = "$") -> None:
    # Anything dated after the as-of date cannot have been observed yet; planned items
    # (a planned vaccination, a scheduled biopsy) are the exception.
    if isinstance(data, dict):
        if data.get("planned") is True:
            return
        for key, value in data.items():
            _future_dates(value, as_of, f"{path}.{key}")
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            _future_dates(value, as_of, f"{path}[{i}]")
    elif isinstance(data, date) and data > as_of:
        raise RecordError(
            path,
            f"date {data} is after the as-of date {as_of}",
            fix="correct the date, mark the item planned, or screen as of a later date",
        )


# Grades a laboratory adverse event: (the lab value, the AE term) -> (grade, how), or None
# when no CTCAE term reads that lab.
LabGrader = Callable[[Observation, str], "tuple[int, str] | None"]


def _graded_adverse_events(patient: Patient, knowledge: Knowledge, grade_lab: LabGrader | None) -> Patient:
    """The record with each lab-documented adverse event graded (CTCAE v5.0); without a
    grader, or when no term reads the lab, the grade stays unknown."""
    items = patient.adverse_events.items
    if grade_lab is None or all(ae.grade is not None or ae.lab is None for ae in items):
        return patient
    graded = []
    for i, ae in enumerate(items):
        if ae.grade is None and ae.lab is not None:
            path = f"$.adverse_events.items[{i}].lab"
            _observation_view(ae.lab, path, knowledge)  # the same checks as any observation
            try:
                found = grade_lab(ae.lab, ae.term)
            except TrialdeskError as exc:
                raise RecordError(path, f"cannot grade by CTCAE v5.0: {exc.message}", fix=exc.fix) from None
            if found is not None:
                ae = ae.model_copy(update={"grade": found[0], "graded_by": found[1]})
        graded.append(ae)
    section = patient.adverse_events.model_copy(update={"items": tuple(graded)})
    return patient.model_copy(update={"adverse_events": section})


def build_view(patient: Patient, knowledge: Knowledge, as_of: date, grade_lab: LabGrader | None = None) -> PatientView:
    """Check a record against the knowledge base and the as-of date, and index it."""
    _check_codes(patient, knowledge)
    _future_dates(patient.model_dump(), as_of)
    patient = _graded_adverse_events(patient, knowledge, grade_lab)
    grouped: dict[str, list[ObservationView]] = defaultdict(list)
    for i, obs in enumerate(patient.observations):
        view = _observation_view(obs, f"$.observations[{i}]", knowledge)
        grouped[view.lab.code].append(view)
    ordered = {code: tuple(sorted(views, key=lambda v: v.date, reverse=True)) for code, views in grouped.items()}
    names = [a for line in patient.therapies.items for a in line.agents] + [m.agent for m in patient.medications.items]
    return PatientView(patient, ordered, {name: knowledge.find_drug(name) for name in names})
