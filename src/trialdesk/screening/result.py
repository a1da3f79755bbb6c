"""Screening results: per criterion and per patient-trial, printable and serialisable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NamedTuple

from trialdesk.criteria.outcome import Evidence, Need

Verdict = Literal["pass", "fail", "unknown"]
Status = Literal["eligible", "ineligible", "undetermined"]


@dataclass(frozen=True, slots=True)
class ReadingResult:
    label: str
    source: str
    verdict: Verdict
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "source": self.source,
            "verdict": self.verdict,
            "evidence": [e.to_dict() for e in self.evidence],
        }


class CriterionResult(NamedTuple):
    """One criterion's verdict for one patient (a named tuple: one per criterion per
    screening date, so the cheapest immutable value)."""

    id: str
    kind: Literal["inclusion", "exclusion"]
    title: str
    verdict: Verdict
    source: str
    evidence: tuple[Evidence, ...]
    needs: tuple[Need, ...]
    readings: tuple[ReadingResult, ...]
    review_required: bool
    review: tuple[str, ...]
    assumptions: tuple[str, ...]
    changes_on: date | None

    @property
    def explanation(self) -> str:
        """One plain line: the facts that decided it, what is needed, or the readings."""
        if self.review_required:
            shown = "; ".join(f"{r.label} → {r.verdict}" for r in self.readings)
            return f"readings disagree: {shown} — for the trial team to settle"
        if self.verdict == "unknown" and self.needs:
            wanted = [n.what + (f" ({n.window_text()})" if n.window_text() else "") for n in self.needs[:3]]
            return "needs " + "; ".join(wanted)
        if self.evidence:
            return "; ".join(e.text for e in self.evidence[:2]) + (" …" if len(self.evidence) > 2 else "")
        return "no record bears on it"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "verdict": self.verdict,
            "source": self.source,
            "explanation": self.explanation,
            "evidence": [e.to_dict() for e in self.evidence],
            "needs": [n.to_dict() for n in self.needs],
            "readings": [r.to_dict() for r in self.readings],
            "review_required": self.review_required,
            "review": list(self.review),
            "assumptions": list(self.assumptions),
            "changes_on": self.changes_on.isoformat() if self.changes_on else None,
        }


@dataclass(frozen=True, slots=True)
class OpenNeed:
    """A record or test still needed, the window it must fall in, and the criteria it settles."""

    need: Need
    criteria: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.need.to_dict(), "criteria": list(self.criteria)}


@dataclass(frozen=True)
class ScreeningResult:
    patient_id: str
    trial: str
    title: str
    protocol_sha256: str
    as_of: date
    first_dose: date
    status: Status
    earliest_eligible_date: date | None
    expires_on: date | None
    criteria: tuple[CriterionResult, ...]
    needs: tuple[OpenNeed, ...]
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]

    def by_verdict(self, verdict: Verdict) -> list[CriterionResult]:
        return [c for c in self.criteria if c.verdict == verdict]

    @property
    def open_items(self) -> int:
        return len(self.by_verdict("unknown"))

    @property
    def deciding(self) -> list[CriterionResult]:
        """The criteria that decide the status: failures if any, else the unknowns."""
        if self.status == "ineligible":
            return self.by_verdict("fail")
        if self.status == "undetermined":
            return self.by_verdict("unknown")
        return []

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient_id,
            "trial": self.trial,
            "title": self.title,
            "protocol_sha256": self.protocol_sha256,
            "as_of": self.as_of.isoformat(),
            "first_dose": self.first_dose.isoformat(),
            "status": self.status,
            "earliest_eligible_date": self.earliest_eligible_date.isoformat() if self.earliest_eligible_date else None,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "counts": {v: len(self.by_verdict(v)) for v in ("pass", "fail", "unknown")},
            "deciding": [c.id for c in self.deciding],
            "needs": [n.to_dict() for n in self.needs],
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
            "criteria": [c.to_dict() for c in self.criteria],
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{len(self.by_verdict(v))} {v}" for v in ("pass", "fail", "unknown"))
        lines = [f"{self.patient_id} × {self.trial}: {self.status} ({counts})"]
        for c in self.deciding:
            lines.append(f"  {c.verdict:7} {c.id}: {c.explanation}")
        return "\n".join(lines)
