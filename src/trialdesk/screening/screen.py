"""Screen one patient against one protocol, and match one patient across protocols.

A criterion's verdict is from the patient's side: `pass` when an inclusion holds or an
exclusion does not apply, `fail` when the patient does not meet it, `unknown` when the
records cannot tell. A criterion with readings is evaluated under each: when they agree
the verdict stands, when they disagree it is `unknown` and flagged for the trial team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from trialdesk.criteria.evaluate import Context, Settings, evaluate
from trialdesk.criteria.fields import Item, agent_values
from trialdesk.criteria.outcome import Evidence, Need, Outcome
from trialdesk.errors import ScreeningError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.view import PatientView
from trialdesk.protocol.load import LoadedProtocol, ParsedCriterion
from trialdesk.protocol.model import Criterion
from trialdesk.screening.result import CriterionResult, OpenNeed, ReadingResult, ScreeningResult, Status, Verdict

# How far ahead the earliest eligible date and the expiry are searched.
HORIZON_DAYS = 3 * 366
MAX_STEPS = 24


def _verdict(kind: str, truth: bool | None) -> Verdict:
    if truth is None:
        return "unknown"
    return "pass" if truth == (kind == "inclusion") else "fail"


def _result(
    c: Criterion,
    verdict: Verdict,
    evidence: tuple[Evidence, ...],
    needs: tuple[Need, ...],
    readings: tuple[ReadingResult, ...],
    disagree: bool,
    assumptions: tuple[str, ...],
    changes_on: date | None,
) -> CriterionResult:
    return CriterionResult(
        id=c.id,
        kind=c.kind,
        title=c.title,
        verdict=verdict,
        source=c.source,
        evidence=evidence,
        needs=needs,
        readings=readings,
        review_required=disagree,
        review=c.review,
        assumptions=assumptions,
        changes_on=changes_on,
    )


@dataclass(frozen=True)
class Screener:
    """Screens patients against one loaded protocol with fixed settings."""

    protocol: LoadedProtocol
    knowledge: Knowledge
    settings: Settings = field(default_factory=Settings)
    # values that depend on the protocol's rules alone, filled as they are first needed
    _static: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def criterion(
        self,
        pc: ParsedCriterion,
        view: PatientView,
        as_of: date,
        first_dose: date,
        data_ref: date | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> CriterionResult:
        ctx = Context(
            view,
            self.knowledge,
            as_of,
            first_dose,
            self.settings,
            None,
            data_ref,
            {} if memo is None else memo,
            self._static,
        )
        c = pc.criterion
        if not pc.ambiguous:
            # one rule: its outcome is the criterion's
            outcome = evaluate(pc.readings[0].rule, ctx)
            verdict = _verdict(c.kind, outcome.truth)
            needs = outcome.needs if verdict == "unknown" else ()
            return _result(c, verdict, outcome.evidence, needs, (), False, outcome.assumptions, outcome.changes_on)
        outcomes: list[Outcome] = [evaluate(r.rule, ctx) for r in pc.readings]
        readings = tuple(
            ReadingResult(r.label, r.source, _verdict(c.kind, o.truth), o.evidence)
            for r, o in zip(pc.readings, outcomes, strict=True)
        )
        verdicts = {r.verdict for r in readings}
        # readings that pass and fail the same patient need a person; a reading that is
        # merely unknown needs data, like any unknown
        disagree = {"pass", "fail"} <= verdicts
        needs = tuple({n.key: n for o in outcomes for n in o.needs}.values())
        if disagree:
            verdict = "unknown"
            needs += (Need(f"review:{c.id}", f"trial team to settle the reading of '{c.title}'"),)
        elif len(verdicts) > 1:
            verdict = "unknown"
        else:
            verdict = readings[0].verdict
            needs = needs if verdict == "unknown" else ()
        evidence = tuple(dict.fromkeys(e for o in outcomes for e in o.evidence))
        assumptions = tuple(dict.fromkeys(a for o in outcomes for a in o.assumptions))
        changes = [o.changes_on for o in outcomes if o.changes_on is not None]
        return _result(c, verdict, evidence, needs, readings, disagree, assumptions, min(changes) if changes else None)

    def _at(
        self, view: PatientView, as_of: date, first_dose: date, data_ref: date | None = None
    ) -> list[CriterionResult]:
        memo: dict[Any, Any] = {}  # shared by the criteria evaluated at this one date
        return [self.criterion(pc, view, as_of, first_dose, data_ref, memo) for pc in self.protocol.criteria]

    def _next_change(
        self,
        pc: ParsedCriterion,
        result: CriterionResult,
        view: PatientView,
        as_of: date,
        changed: set[Verdict],
        data_ref: date | None = None,
    ) -> date | None:
        """The first date after the current first dose on which the verdict becomes one of
        `changed`, following the evaluator's change dates and checking each."""
        day = result.changes_on
        limit = as_of + timedelta(days=HORIZON_DAYS)
        for _ in range(MAX_STEPS):
            if day is None or day > limit:
                return None
            later = self.criterion(pc, view, as_of, day, data_ref)
            if later.verdict in changed:
                return day
            if later.changes_on is None or later.changes_on <= day:
                return None
            day = later.changes_on
        return None

    def earliest_eligible(
        self, view: PatientView, as_of: date, first_dose: date, results: list[CriterionResult]
    ) -> date | None:
        """The first date on which every failing criterion would pass given today's data
        (e.g. the end of a washout); criteria unknown then remain needs. None if some
        failure never lifts on today's data."""
        day = first_dose
        by_id = {pc.criterion.id: pc for pc in self.protocol.criteria}
        # Freshness is held at the planned first dose (data_ref): a failing lab stays
        # failed rather than ageing into unknown, while a washout or event window moves.
        # A criterion whose verdict cannot change before a day keeps its verdict there.
        current = results
        for _ in range(MAX_STEPS):
            fails = [r for r in current if r.verdict == "fail"]
            if not fails:
                return day
            lifts = [self._next_change(by_id[r.id], r, view, as_of, {"pass", "unknown"}, first_dose) for r in fails]
            if any(d is None for d in lifts):
                return None
            day = max(d for d in lifts if d is not None)
            current = [
                self.criterion(by_id[r.id], view, as_of, day, first_dose)
                if r.changes_on is not None and r.changes_on <= day
                else r
                for r in current
            ]
        return None

    def expires_on(self, view: PatientView, as_of: date, results: list[CriterionResult]) -> date | None:
        """The last first-dose date on which every criterion that passes now still passes."""
        by_id = {pc.criterion.id: pc for pc in self.protocol.criteria}
        # in order of their first possible change, so that later candidates can be skipped
        # once an earlier end is found
        candidates = sorted(
            (r for r in results if r.verdict == "pass" and r.changes_on), key=lambda r: r.changes_on or date.max
        )
        end: date | None = None
        for r in candidates:
            assert r.changes_on is not None
            if end is not None and r.changes_on >= end:
                break
            found = self._next_change(by_id[r.id], r, view, as_of, {"fail", "unknown"})
            if found is not None and (end is None or found < end):
                end = found
        return end - timedelta(days=1) if end else None

    def screen(self, view: PatientView, as_of: date, first_dose: date | None = None) -> ScreeningResult:
        first = first_dose or as_of
        if first < as_of:
            raise ScreeningError(
                f"first dose {first} is before the as-of date {as_of}",
                fix="plan the first dose on or after the as-of date",
            )
        results = self._at(view, as_of, first)
        verdicts = {r.verdict for r in results}
        status: Status = (
            "ineligible" if "fail" in verdicts else ("undetermined" if "unknown" in verdicts else "eligible")
        )
        earliest = self.earliest_eligible(view, as_of, first, results)
        return ScreeningResult(
            patient_id=view.patient.id,
            trial=self.protocol.id,
            title=self.protocol.protocol.title,
            protocol_sha256=self.protocol.sha256,
            as_of=as_of,
            first_dose=first,
            status=status,
            earliest_eligible_date=earliest,
            expires_on=self.expires_on(view, as_of, results) if "fail" not in verdicts else None,
            criteria=tuple(results),
            needs=_open_needs(results),
            assumptions=tuple(dict.fromkeys(a for r in results for a in r.assumptions)),
            warnings=tuple(_unknown_drugs(view, self.knowledge)),
        )


def _open_needs(results: Sequence[CriterionResult]) -> tuple[OpenNeed, ...]:
    merged: dict[str, tuple[Need, list[str]]] = {}
    for result in results:
        if result.verdict != "unknown":
            continue
        for need in result.needs:
            if need.key in merged:
                old, ids = merged[need.key]
                # the same test for several criteria: its window is where theirs overlap
                earliest = max((d for d in (old.earliest, need.earliest) if d), default=None)
                latest = min((d for d in (old.latest, need.latest) if d), default=None)
                merged[need.key] = (Need(old.key, old.what, earliest, latest), [*ids, result.id])
            else:
                merged[need.key] = (need, [result.id])
    ordered = sorted(merged.values(), key=lambda pair: (pair[0].latest or date.max, pair[0].key))
    return tuple(OpenNeed(need, tuple(ids)) for need, ids in ordered)


def _unknown_drugs(view: PatientView, knowledge: Knowledge) -> list[str]:
    found = []
    patient = view.patient
    for i, line in enumerate(patient.therapies.items):
        item = Item("therapy", line, f"$.therapies.items[{i}]")
        found += [
            f"{path}: drug {name!r} is not in the knowledge base; criteria that read it stay unknown"
            for name, path, drug in agent_values(item, view.drug)
            if drug is None
        ]
    for i, med in enumerate(patient.medications.items):
        item = Item("medication", med, f"$.medications.items[{i}]")
        found += [
            f"{path}: drug {name!r} is not in the knowledge base; criteria that read it stay unknown"
            for name, path, drug in agent_values(item, view.drug)
            if drug is None
        ]
    return found


def match(
    view: PatientView, screeners: Sequence[Screener], as_of: date, first_dose: date | None = None
) -> list[ScreeningResult]:
    """Screen one patient against every protocol, in the order a navigator works through
    them: eligible first, then undetermined with the fewest open items, then ineligible."""
    results = [s.screen(view, as_of, first_dose) for s in screeners]
    rank = {"eligible": 0, "undetermined": 1, "ineligible": 2}
    return sorted(results, key=lambda r: (rank[r.status], r.open_items, len(r.by_verdict("fail")), r.trial))
