"""mCODE CancerDiseaseStatus (an Observation) -> the progression of a therapy line.

A CancerDiseaseStatus is a clinician's judgement of the trend of the cancer on a date
(https://hl7.org/fhir/us/mcode/StructureDefinition-mcode-cancer-disease-status.html). It is
recognised by its Observation.code, LOINC 97509-4 (mCODE STU2 onwards) or 88040-1 (STU1),
or by the profile in meta.profile. Its value is a SNOMED CT code of the condition status
trend value set, its evidence types are extensions, its date is effectiveDateTime
(data/fhir_terms.yaml `disease_status*`).

The record keeps progression only on a therapy line (`progressed`, `progression_on`,
`progression_evidence`, `radiological_progression`), so:

1. Status `worsened` (271299001) is progression on its date. mCODE does not say which
   treatment it followed: it is placed on the line that started most recently before
   that date (the line being given then, or the last one given), and this is reported as
   an inference. It is not placed, and is reported, when a line has no first dose (the
   order of the lines is then unknown), when two lines started that same day, or when no
   line started before it.
2. Its evidence types are kept in `progression_evidence`. Imaging sets
   `radiological_progression`; other evidence (symptoms, examination, laboratory,
   pathology) or none leaves it unknown, never false: a clinical judgement does not say
   what imaging would show. A criterion that needs radiological progression therefore
   stays unknown on clinical worsening alone, and this is reported as a caution.
3. A line that already records progression on that date only gains the evidence. A line
   that records an earlier progression keeps its date; a later recorded date is moved to
   the status's earlier one (progression dates from its first documentation), reported. A
   line recorded as not progressed contradicts the status: its progression is left
   unknown, reported.
4. Any other status (improved, stable, undetermined, remission) has no place in the
   record: it is read and reported as not used. A code outside the value set, or an
   evidence type outside its table, is reported as unmapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from trialdesk.ingest.fhir.context import ImportContext, Item, Progression
from trialdesk.ingest.fhir.elements import codings, day, describe_codes
from trialdesk.ingest.fhir.terms import LOINC, MCODE_DISEASE_STATUS, MCODE_EVIDENCE_TYPE, SNOMED, FhirTerms

_VALUE = "Observation.valueCodeableConcept"
_LINE = "therapy line"


def is_disease_status(obs: Any, terms: FhirTerms) -> bool:
    """Whether an Observation is an mCODE CancerDiseaseStatus: by its LOINC code or profile."""
    if any(system == LOINC and code in terms.disease_status_loinc for system, code, _ in codings(obs.code)):
        return True
    profiles = (obs.meta.profile or ()) if obs.meta is not None else ()
    return any(str(profile).split("|")[0] == MCODE_DISEASE_STATUS for profile in profiles)


def map_disease_status(obs: Any, label: str, ctx: ImportContext) -> None:
    """Read one CancerDiseaseStatus; a worsened one is kept to be placed on a line."""
    terms = ctx.index.terms
    on = day(obs.effectiveDateTime) or (day(obs.effectivePeriod.start) if obs.effectivePeriod else None)
    concept = obs.valueCodeableConcept
    if concept is None:
        why = f": {describe_codes(obs.dataAbsentReason)}" if obs.dataAbsentReason is not None else ""
        ctx.unmapped(label, "Observation.value[x]", f"cancer disease status without a coded value{why}")
        return
    found = {
        code: terms.disease_status[code]
        for system, code, _ in codings(concept)
        if system == SNOMED and code in terms.disease_status
    }
    if not found:
        ctx.unmapped(
            label,
            _VALUE,
            f"{describe_codes(concept)} is not a cancer disease status of the mCODE condition status trend "
            "value set (fhir_terms.yaml disease_status)",
        )
        return
    if len(set(found.values())) > 1:
        ctx.unmapped(label, _VALUE, f"{describe_codes(concept)} names several disease statuses")
        return
    code, status = next(iter(found.items()))
    dated = f" on {on}" if on else ""
    if status != "worsened":
        ctx.report(
            "unmapped",
            label,
            _VALUE,
            f"cancer disease status {status.replace('_', ' ')} (SNOMED CT {code}){dated} read but not used: the "
            "record keeps only progression (status worsened), on a therapy line",
        )
        return
    if on is None:
        ctx.unmapped(
            label,
            "Observation.effective[x]",
            "worsened cancer disease status without a full date (YYYY-MM-DD): the progression cannot be dated "
            "or placed on a therapy line",
        )
        return
    ctx.progressions.append(Progression(label, on, _evidence(obs, label, terms, ctx)))


def _evidence(obs: Any, label: str, terms: FhirTerms, ctx: ImportContext) -> tuple[str, ...]:
    kinds: list[str] = []
    for index, ext in enumerate(obs.extension or ()):
        if ext.url not in MCODE_EVIDENCE_TYPE:
            continue
        concept = ext.valueCodeableConcept
        kind = next(
            (
                terms.disease_status_evidence[code]
                for system, code, _ in codings(concept)
                if system == SNOMED and code in terms.disease_status_evidence
            ),
            None,
        )
        if kind is None:
            ctx.unmapped(
                label,
                f"Observation.extension[{index}]",
                f"evidence type {describe_codes(concept)} is not in fhir_terms.yaml disease_status_evidence: "
                "the progression is not known to rest on imaging",
            )
        elif kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


# -- placing progression on a line ----------------------------------------------------------
def attach_progressions(ctx: ImportContext) -> None:
    """Place each worsened status on its therapy line; call once the lines are made."""
    lines = ctx.items["therapies"]
    # what the source states against progression, before any status is placed: a later
    # status must not undo the unknown a contradiction left
    denied = _Denied(
        {id(item) for item in lines if item.data.get("progressed") is False},
        {id(item) for item in lines if item.data.get("radiological_progression") is False},
    )
    for progression in sorted(ctx.progressions, key=lambda p: p.on):
        _attach(progression, lines, denied, ctx)


@dataclass(frozen=True, slots=True)
class _Denied:
    """The lines (by identity) recorded as not progressed, and as not radiologically so."""

    progression: set[int]
    radiological: set[int]


def _first_dose(item: Item) -> date | None:
    value = item.data.get("first_dose")
    return value if isinstance(value, date) else None


def _name(item: Item) -> str:
    number = item.data.get("line")
    agents = " + ".join(item.data.get("agents", ()))
    return f"line {number} ({agents})" if number else f"the line of {agents}"


def _attach(p: Progression, lines: list[Item], denied: _Denied, ctx: ImportContext) -> None:
    same = [item for item in lines if item.data.get("progressed") is True and item.data.get("progression_on") == p.on]
    if same:
        for item in same:
            _add_evidence(item, p, denied, ctx)
        return
    undated = [item for item in lines if _first_dose(item) is None]
    if undated:
        ctx.unmapped(
            p.resource,
            _LINE,
            f"progression on {p.on} is not placed on a therapy line: {', '.join(map(_name, undated))} has no first "
            "dose, so which line it followed is unknown",
        )
        return
    started = [(first, item) for item in lines if (first := _first_dose(item)) is not None and first < p.on]
    if not started:
        ctx.unmapped(
            p.resource,
            _LINE,
            f"progression on {p.on} is not placed: no therapy line started before it, and the record keeps "
            "progression only on a line",
        )
        return
    latest = max(first for first, _ in started)
    candidates = [item for first, item in started if first == latest]
    if len(candidates) > 1:
        ctx.unmapped(
            p.resource,
            _LINE,
            f"progression on {p.on} is not placed: {' and '.join(map(_name, candidates))} both started on {latest}",
        )
        return
    line = candidates[0]
    data = line.data
    last = f", last dose {data['last_dose']}" if isinstance(data.get("last_dose"), date) else ""
    if id(line) in denied.progression:
        data.pop("progressed", None)
        ctx.report(
            "caution",
            p.resource,
            _LINE,
            f"worsened on {p.on}, after {_name(line)} started on {latest}, but the line is recorded as not "
            "progressed: its progression is left unknown; settle it in the record",
        )
        return
    ctx.report(
        "inferred",
        p.resource,
        _LINE,
        f"progression on {p.on} placed on {_name(line)} (first dose {latest}{last}): the line that started most "
        "recently before it; mCODE does not link a disease status to a treatment",
    )
    recorded = data.get("progression_on")
    if isinstance(recorded, date) and recorded < p.on:
        pass  # an earlier progression of this line is recorded: this documents it further
    else:
        if isinstance(recorded, date):
            ctx.report(
                "caution",
                p.resource,
                _LINE,
                f"progression_on of {_name(line)} moved from {recorded} to {p.on}: progression dates from its "
                "first documentation",
            )
        data["progressed"] = True
        data["progression_on"] = p.on
    _add_evidence(line, p, denied, ctx)


def _add_evidence(line: Item, p: Progression, denied: _Denied, ctx: ImportContext) -> None:
    data = line.data
    known = list(data.get("progression_evidence") or ())
    added = [kind for kind in p.evidence if kind not in known]
    if added:
        data["progression_evidence"] = [*known, *added]
    if "imaging" in p.evidence:
        if id(line) in denied.radiological:
            data.pop("radiological_progression", None)
            ctx.report(
                "caution",
                p.resource,
                _LINE,
                f"{_name(line)} is recorded as without radiological progression, but the status of {p.on} rests "
                "on imaging: left unknown; settle it in the record",
            )
        else:
            data["radiological_progression"] = True
    elif data.get("radiological_progression") is None:
        rests = " and ".join(kind.replace("_", " ") for kind in p.evidence) or "no stated evidence type"
        ctx.report(
            "caution",
            p.resource,
            "Observation.extension",
            f"the progression on {p.on} rests on {rests}, not imaging: criteria that need radiological "
            "progression stay unknown",
        )
