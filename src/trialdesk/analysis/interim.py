"""The interim decision of a running Simon two-stage trial, read from its dataset at the
data cut-off: whom the design counts, which response reading decides, and the verdict of
`trialdesk.design.interim_decision` for each two-stage design the report states.

    reading = response_reading(True, endpoint="Confirmed ORR (confirmed CR or PR by RECIST 1.1)")
    interim = derive_interim_analysis(dataset, confirmed, unconfirmed, design, reading)
    print(interim)                             # or interim.to_dict()

Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
1989;10:1–10: stop after stage 1 if r1 or fewer of the first n1 patients respond.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from trialdesk.analysis.consort import evaluable_for_response
from trialdesk.analysis.dataset import TrialDataset, TrialSubject, dataset_at_cutoff
from trialdesk.analysis.endpoints import EndpointAnalysis
from trialdesk.design import ConsistentDesigns, DesignProposal, InterimDecision, SimonDesign, Verdict, interim_decision
from trialdesk.errors import AnalysisError
from trialdesk.recist import Response

ReadingName = Literal["confirmed", "unconfirmed"]
_RECIST_RULE = "RECIST 1.1 §4.6.1 requires confirmation when response is the primary endpoint of a non-randomised trial"


@dataclass(frozen=True, slots=True)
class ResponseReading:
    """The best-overall-response reading that decides, and why. `settled` is False when
    the protocol leaves confirmation open: the report flags the choice."""

    confirmed: bool
    reason: str
    settled: bool

    @property
    def name(self) -> ReadingName:
        return "confirmed" if self.confirmed else "unconfirmed"

    @property
    def other_name(self) -> ReadingName:
        """The reading shown beside it."""
        return "unconfirmed" if self.confirmed else "confirmed"

    def to_dict(self) -> dict[str, Any]:
        return {"reading": self.name, "reason": self.reason, "settled": self.settled}


def response_reading(
    confirmation_required: bool | None, *, endpoint: str | None = None, review: Sequence[str] = ()
) -> ResponseReading:
    """The reading of the protocol's primary response endpoint (`endpoint`: its name and
    definition; `review`: the protocol's open questions about it).

    1. The endpoint requires confirmation: the confirmed reading, settled.
    2. It states that confirmation is not required: the unconfirmed reading, settled.
    3. It leaves confirmation open, or no such endpoint is on record: the confirmed
       reading, flagged as not settled — RECIST 1.1 §4.6.1 requires confirmation when
       response is the primary endpoint of a non-randomised trial, and unconfirmed
       responses could carry on a trial that confirmation would stop.

    >>> response_reading(None).name, response_reading(None).settled
    ('confirmed', False)
    """
    if endpoint is None:
        return ResponseReading(True, f"no primary response endpoint is on record; {_RECIST_RULE}", settled=False)
    if confirmation_required is True:
        return ResponseReading(True, f"the protocol's primary endpoint is {endpoint}: confirmation required", True)
    if confirmation_required is False:
        return ResponseReading(False, f"the protocol's primary endpoint is {endpoint}: no confirmation required", True)
    question = f" (protocol review: {review[0]})" if review else ""
    return ResponseReading(
        True,
        f"the protocol's primary endpoint is {endpoint}, and it does not settle whether CR/PR must be confirmed"
        f"{question}; the confirmed reading decides, as {_RECIST_RULE}",
        settled=False,
    )


@dataclass(frozen=True, slots=True)
class StageCount:
    """Evaluable subjects a stage counts: the responders, and those pending — alive, not
    progressed and not (yet) responders, so they could still respond."""

    evaluable: int
    responders: int
    pending: int

    @property
    def decided(self) -> int:
        """Subjects whose outcome is known: responders, and non-responders after PD or death."""
        return self.evaluable - self.pending

    def to_dict(self) -> dict[str, Any]:
        return {"evaluable": self.evaluable, "responders": self.responders, "pending": self.pending}


@dataclass(frozen=True, slots=True)
class ReadingDecision:
    """One design's decision under one reading: the stage-1 count, the count the decision
    uses (stage 1, or the first n once stage 1 is passed), and the decision."""

    reading: ReadingName
    stage_one: StageCount
    counted: StageCount
    decision: InterimDecision

    @property
    def status(self) -> str:
        """stage 1 still accruing, stage 1 awaiting outcomes, continue to stage 2, stage 2
        still accruing, stop for futility, or declare efficacy at the end."""
        design = self.decision.design
        if self.decision.verdict is not Verdict.CONTINUE:
            return self.decision.verdict.value
        if self.stage_one.responders > design.r1:  # stage 1 passed: certain, whatever is pending
            return "stage 2 still accruing" if self.counted.evaluable > design.n1 else "continue to stage 2"
        return "stage 1 still accruing" if self.stage_one.evaluable < design.n1 else "stage 1 awaiting outcomes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reading": self.reading,
            "status": self.status,
            "stage_1": self.stage_one.to_dict(),
            "counted": self.counted.to_dict(),
            "decision": {k: v for k, v in self.decision.to_dict().items() if k != "design"},
        }


@dataclass(frozen=True, slots=True)
class DesignInterim:
    """A two-stage design the report states, decided under the deciding and the other reading."""

    label: str
    design: SimonDesign
    decisive: ReadingDecision
    other: ReadingDecision

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "design": self.design.to_dict(),
            "rule": self.design.rule_text(),
            "decision": self.decisive.to_dict(),
            "other_reading": self.other.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class InterimAnalysis:
    """The evaluable subjects and responders at the cut-off and each design's decision;
    `not_applicable` says why there is none (no two-stage design stated)."""

    cutoff: dt.date
    reading: ResponseReading
    counted: StageCount
    other_counted: StageCount
    designs: tuple[DesignInterim, ...]
    not_applicable: str | None

    @property
    def other_reading(self) -> ReadingName:
        return self.reading.other_name

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "reading": self.reading.to_dict(),
            "evaluable": self.counted.evaluable,
            "responders": {
                self.reading.name: self.counted.responders,
                self.other_reading: self.other_counted.responders,
            },
            "pending": {self.reading.name: self.counted.pending, self.other_reading: self.other_counted.pending},
            "designs": [d.to_dict() for d in self.designs],
            "not_applicable": self.not_applicable,
        }

    def __str__(self) -> str:
        count = self.counted
        lines = [
            f"Interim decision at {self.cutoff.isoformat()}: {count.responders} {self.reading.name} responders "
            f"among {count.evaluable} evaluable ({count.pending} pending)",
            f"  reading: {self.reading.name}{'' if self.reading.settled else ' (not settled)'} — {self.reading.reason}",
        ]
        for item in self.designs:
            first = item.decisive.stage_one
            lines.append(
                f"  {item.label}, r1/n1 = {item.design.r1}/{item.design.n1}, r/n = {item.design.r}/{item.design.n}: "
                f"stage 1 {first.responders}/{first.evaluable} ({first.pending} pending) → {item.decisive.status} "
                f"({item.other.reading}: {item.other.status})"
            )
        if self.not_applicable:
            lines.append(f"  {self.not_applicable}")
        return "\n".join(lines)


def stated_two_stage_designs(design: ConsistentDesigns | DesignProposal | None) -> tuple[tuple[str, SimonDesign], ...]:
    """(label, design) for each Simon design the report's design section states: a
    proposal's optimal and minimax; the optimal and minimax matches of a target."""
    if isinstance(design, DesignProposal):
        simon = design.simon
        return tuple(
            (f"Simon {d.kind}, p0 = {d.p0:g}, p1 = {d.p1:g} (proposed)", d) for d in (simon.optimal, simon.minimax)
        )
    if isinstance(design, ConsistentDesigns):
        return tuple(
            (f"Simon {m.kind}, p0 = {m.p0:g}, p1 = {m.p1:g} (consistent with n = {design.n_total})", m.design)
            for m in design.matches
            if isinstance(m.design, SimonDesign)
        )
    return ()


def _not_applicable(design: ConsistentDesigns | DesignProposal | None) -> str:
    if isinstance(design, ConsistentDesigns):
        single = any(m.kind == "single-stage" for m in design.matches)
        found = "only a single-stage (A'Hern) design" if single else "no design among the pairs checked"
        return (
            f"No interim decision: {found} has n = {design.n_total}, and a single-stage design has no first "
            "stage — it is decided once every patient is evaluated."
        )
    return "No interim decision: no two-stage design is stated (no proposal, no target enrolment)."


Outcome = Literal["responder", "non-responder", "pending"]


def _outcome(subject: TrialSubject, responder: bool) -> Outcome:
    if responder:
        return "responder"
    # a best overall response is final at progression or death (RECIST 1.1 §4.4.3)
    if subject.death_date is not None or any(a.response == "PD" for a in subject.assessments):
        return "non-responder"
    return "pending"


def _count(outcomes: Sequence[Outcome]) -> StageCount:
    return StageCount(len(outcomes), outcomes.count("responder"), outcomes.count("pending"))


def _decide(design: SimonDesign, outcomes: Sequence[Outcome], reading: ReadingName) -> ReadingDecision:
    """Steps 4 and 5 of `derive_interim_analysis`."""
    stage_one = counted = _count(outcomes[: design.n1])
    decision = interim_decision(design, stage_one.responders, stage_one.decided)
    if stage_one.responders > design.r1 and len(outcomes) > design.n1:
        counted = _count(outcomes[: design.n])
        decision = interim_decision(design, counted.responders, counted.decided)
    return ReadingDecision(reading, stage_one, counted, decision)


def derive_interim_analysis(
    dataset: TrialDataset,
    confirmed: EndpointAnalysis,
    unconfirmed: EndpointAnalysis,
    design: ConsistentDesigns | DesignProposal | None,
    reading: ResponseReading,
) -> InterimAnalysis:
    """Each stated two-stage design's decision at the cut-off of the two fits.

    1. Counted: the subjects evaluable for response at the cut-off (treated, with a CR,
       PR, SD or PD assessment — as in the subject flow), in the order they were
       enrolled (enrolment date, then subject id): stage 1 is the first n1 of them.
    2. Under a reading (`confirmed`: CR/PR must be confirmed, RECIST 1.1 §4.6.1;
       `unconfirmed`: not), a subject is a responder (best overall response CR or PR in
       that fit), a non-responder (no response by progression or death: the best response
       is final), or pending (alive, not progressed: a response may still come, or be
       confirmed).
    3. The decision is `interim_decision` with the responders as responses and the
       subjects of known outcome as evaluated: a pending subject counts as one still to
       be evaluated, so futility is stated only when it holds even if every pending and
       every not-yet-evaluable subject responded (Simon's curtailment, which changes
       neither alpha nor power) — never on responses that may still come.
    4. Stage 1 counts the first n1. Once more than r1 of them responded (continue to
       stage 2, certain) and more than n1 are evaluable, the decision counts the first n.
       A trial that has not passed stage 1 is decided on stage 1 alone.
    5. Both readings are decided; `reading` says which one counts and why.
    """
    if not confirmed.confirm or unconfirmed.confirm or confirmed.cutoff != unconfirmed.cutoff:
        raise AnalysisError(
            "the interim decision needs a confirmed and an unconfirmed fit at one cut-off",
            fix="fit EndpointAnalysis with confirm=True and with confirm=False at the same cutoff",
        )
    seen = dataset_at_cutoff(dataset, confirmed.cutoff)
    counted = sorted(
        (s for s in seen.subjects if evaluable_for_response(s)), key=lambda s: (s.enrolment_date, s.subject_id)
    )
    responders = {
        fit.confirm: {s.subject_id for s in fit.subjects if s.best_response.response in (Response.CR, Response.PR)}
        for fit in (confirmed, unconfirmed)
    }
    outcomes = {c: [_outcome(s, s.subject_id in ids) for s in counted] for c, ids in responders.items()}
    designs = tuple(
        DesignInterim(
            label,
            simon,
            decisive=_decide(simon, outcomes[reading.confirmed], reading.name),
            other=_decide(simon, outcomes[not reading.confirmed], reading.other_name),
        )
        for label, simon in stated_two_stage_designs(design)
    )
    return InterimAnalysis(
        cutoff=confirmed.cutoff,
        reading=reading,
        counted=_count(outcomes[reading.confirmed]),
        other_counted=_count(outcomes[not reading.confirmed]),
        designs=designs,
        not_applicable=None if designs else _not_applicable(design),
    )
