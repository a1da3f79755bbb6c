"""What evaluating a rule returns: a Kleene truth value with its evidence, what would settle
it, and the date on which it may change.

`truth` is True, False or None (unknown). Combining follows Kleene's strong three-valued
logic: false and unknown = false; true or unknown = true; otherwise unknown stays unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple


class Evidence(NamedTuple):
    """A fact the verdict used, in words, with the record path it came from.

    Outcomes and evidence are named tuples rather than frozen dataclasses: they are made
    by the thousand per screening, and a tuple is the cheapest immutable value."""

    text: str
    path: str | None = None
    on: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "path": self.path, "date": self.on.isoformat() if self.on else None}


@dataclass(frozen=True, slots=True)
class Need:
    """A record or test that would settle an unknown, with the dates it must fall between."""

    key: str
    what: str
    earliest: date | None = None
    latest: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "what": self.what,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
        }

    def window_text(self) -> str:
        if self.earliest and self.latest:
            return f"between {self.earliest} and {self.latest}"
        if self.latest:
            return f"by {self.latest}"
        if self.earliest:
            return f"on or after {self.earliest}"
        return ""


class Outcome(NamedTuple):
    truth: bool | None
    evidence: tuple[Evidence, ...] = ()
    needs: tuple[Need, ...] = ()
    changes_on: date | None = None
    assumptions: tuple[str, ...] = ()


TRUE = Outcome(True)
FALSE = Outcome(False)


def _earliest(dates: Iterable[date | None]) -> date | None:
    present = [d for d in dates if d is not None]
    return min(present) if present else None


def _latest_all(dates: Sequence[date | None]) -> date | None:
    # The verdict can change only once every deciding child has changed: the latest of
    # their dates, or never if one of them never changes.
    if not dates or any(d is None for d in dates):
        return None
    return max(d for d in dates if d is not None)


def _flatten_evidence(outcomes: Sequence[Outcome]) -> tuple[Evidence, ...]:
    if len(outcomes) == 1:
        return outcomes[0].evidence
    return tuple(e for o in outcomes for e in o.evidence)


def _flatten_needs(outcomes: Sequence[Outcome]) -> tuple[Need, ...]:
    seen: dict[str, Need] = {}
    for outcome in outcomes:
        for need in outcome.needs:
            seen.setdefault(need.key, need)
    return tuple(seen.values())


def _assumptions(outcomes: Sequence[Outcome]) -> tuple[str, ...]:
    found = [a for o in outcomes for a in o.assumptions]
    return tuple(dict.fromkeys(found)) if found else ()


def negate(outcome: Outcome) -> Outcome:
    if outcome.truth is None:
        return outcome
    return Outcome(not outcome.truth, outcome.evidence, outcome.needs, outcome.changes_on, outcome.assumptions)


def _combine(outcomes: Sequence[Outcome], dominant: bool) -> Outcome:
    """Kleene conjunction (dominant False) or disjunction (dominant True), in one pass.

    The dominant value decides alone: its evidence is kept and it may change only once
    every dominant operand has changed. Otherwise an unknown makes the result unknown with
    the needs of the unknowns, and the result may change when any operand does."""
    if len(outcomes) == 1:
        return outcomes[0]
    deciding = [o for o in outcomes if o.truth is dominant]
    if deciding:
        if len(deciding) == 1:
            return deciding[0]
        return Outcome(
            dominant,
            _flatten_evidence(deciding),
            (),
            _latest_all([o.changes_on for o in deciding]),
            _assumptions(deciding),
        )
    unknowns = [o for o in outcomes if o.truth is None]
    changes = _earliest(o.changes_on for o in outcomes)
    evidence = _flatten_evidence(outcomes)
    if unknowns:
        return Outcome(None, evidence, _flatten_needs(unknowns), changes, _assumptions(outcomes))
    return Outcome(not dominant, evidence, (), changes, _assumptions(outcomes))


def all_of(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene conjunction: false if any is false, true if all are true, else unknown."""
    return _combine(outcomes, False)


def any_of(outcomes: Sequence[Outcome]) -> Outcome:
    """Kleene disjunction: true if any is true, false if all are false, else unknown."""
    return _combine(outcomes, True)
