"""Lines of systemic anti-cancer therapy inferred from medication records, where the source
does not state them.

FHIR R4 and mCODE record what was given and when, not which line of therapy it belonged to.
When a bundle does not state the lines (trialdesk's `therapy-line` extension), they are
grouped by date with this rule, and every line so made is reported as an inference:

1. Exposures (one agent over a period: a MedicationAdministration, Statement or Request)
   are taken in order of their first date. Exposures without a date cannot be placed; each
   becomes a line of its own, without dates, and is reported.
2. The first exposure opens a line on its first date.
3. An exposure that starts within `regimen_window_days` (28) of the line's first date joins
   it: the agents of one regimen rarely start more than a cycle apart.
4. An agent already in the line that continues or resumes within `gap_days` (90) of the
   line's last dose stays in the line: this is how maintenance after induction (e.g.
   atezolizumab continued after carboplatin-etoposide stops) remains one line.
5. Anything else opens a new line: a new agent added after the regimen window (a switch,
   even while the previous regimen overlaps), or any agent after a gap of more than
   `gap_days` without anti-cancer therapy (re-treatment after a gap is a new line).
6. A line's first and last dose are the earliest and latest dates of its exposures; it is
   ongoing when any exposure is. Setting, response and progression are never inferred.

The windows follow common conventions of real-world line-of-therapy algorithms (a 28-day
regimen window, a 60-120-day gap) and are parameters, so a study can state its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Exposure:
    """One agent given over a period, as a medication resource states it."""

    agent: str
    start: date | None
    end: date | None
    ongoing: bool
    resource: str


@dataclass(frozen=True, slots=True)
class LineRule:
    regimen_window_days: int = 28
    gap_days: int = 90


@dataclass(frozen=True, slots=True)
class InferredLine:
    agents: tuple[str, ...]
    first_dose: date | None
    last_dose: date | None
    ongoing: bool
    resources: tuple[str, ...]
    reason: str  # why this line was opened, shown to the user


def _last(exposure: Exposure) -> date | None:
    """The latest date known to be on treatment: enough to measure gaps between lines."""
    return exposure.end or exposure.start


# why a line's last dose is left empty (reported for stated and inferred lines alike)
LAST_DOSE_UNKNOWN = "a medication gives no end date; washout criteria stay unknown until it is recorded"


def last_dose(ends: list[date | None]) -> date | None:
    """A line's last dose: the latest end, only when every exposure states its end (a
    single administration ends the day it starts). A start alone does not say when dosing
    stopped, and taking it as the last dose would count a washout from too early a day,
    so the last dose is then not known."""
    known = [end for end in ends if end is not None]
    return max(known) if known and len(known) == len(ends) else None


def group_lines(exposures: list[Exposure], rule: LineRule = LineRule()) -> list[InferredLine]:
    """Group exposures into lines by steps 1-6 of the module's rule.

    >>> from datetime import date as d
    >>> cis = Exposure("cisplatin", d(2025, 3, 20), d(2025, 7, 1), False, "MedicationStatement/1")
    >>> eto = Exposure("etoposide", d(2025, 3, 21), d(2025, 7, 1), False, "MedicationStatement/2")
    >>> [line.agents for line in group_lines([cis, eto])]
    [('cisplatin', 'etoposide')]
    """
    dated = sorted((e for e in exposures if e.start is not None), key=lambda e: (e.start, e.agent))
    lines: list[InferredLine] = []
    current: list[Exposure] = []
    reason = ""
    for exposure in dated:
        if current and _joins(current, exposure, rule):
            current.append(exposure)
            continue
        if current:
            lines.append(_line(current, reason))
            reason = _why_new(current, exposure, rule)
        else:
            reason = f"first anti-cancer therapy, from {exposure.start}"
        current = [exposure]
    if current:
        lines.append(_line(current, reason))
    for exposure in exposures:
        if exposure.start is None:
            lines.append(_line([exposure], "no date: could not be placed in a line; a line of its own"))
    return lines


def _joins(line: list[Exposure], exposure: Exposure, rule: LineRule) -> bool:
    assert exposure.start is not None
    first = min(e.start for e in line if e.start is not None)
    last = max(d for e in line if (d := _last(e)) is not None)
    if (exposure.start - last).days > rule.gap_days and not any(e.ongoing for e in line):
        return False
    if (exposure.start - first).days <= rule.regimen_window_days:
        return True
    return exposure.agent in {e.agent for e in line}


def _why_new(line: list[Exposure], exposure: Exposure, rule: LineRule) -> str:
    assert exposure.start is not None
    last = max(d for e in line if (d := _last(e)) is not None)
    gap = (exposure.start - last).days
    if gap > rule.gap_days:
        return f"{exposure.agent} starts {gap} days after the previous line's last dose (gap > {rule.gap_days} days)"
    return (
        f"{exposure.agent} is a new agent starting {exposure.start}, more than "
        f"{rule.regimen_window_days} days after the previous line began"
    )


def _line(exposures: list[Exposure], reason: str) -> InferredLine:
    starts = [e.start for e in exposures if e.start is not None]
    return InferredLine(
        agents=tuple(dict.fromkeys(e.agent for e in exposures)),
        first_dose=min(starts) if starts else None,
        last_dose=last_dose([e.end for e in exposures]),
        ongoing=any(e.ongoing for e in exposures),
        resources=tuple(e.resource for e in exposures),
        reason=reason,
    )
