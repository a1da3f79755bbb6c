"""CTCAE grading results: one per value and term, and a subject's worst grade per term."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

# The condition of the reading a band gives without any clinical fact.
LAB_VALUE_ALONE = "laboratory value alone"


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read the grade: the grade, and the clinical condition it holds under."""

    grade: int
    condition: str

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "condition": self.condition}


@dataclass(frozen=True, slots=True)
class GradeResult:
    """The CTCAE v5.0 grade of one laboratory value for one term.

    `grade` is what the laboratory value alone establishes. When CTCAE lets a clinical fact
    the value does not carry change the grade (hyponatraemia 125–129 mmol/L: grade 2 if
    asymptomatic, 3 if symptomatic), `lab_only` is True and `readings` lists each grade
    with its condition; the first reading is always `grade`.
    """

    subject_id: str
    date: date
    row: int | None
    lab: str
    value: Decimal
    unit: str
    term: str
    term_id: str
    meddra_code: str
    grade: int
    band: str
    explanation: str
    scheme: str
    lab_only: bool
    readings: tuple[Reading, ...]
    notes: tuple[str, ...] = ()

    @property
    def grades(self) -> tuple[int, ...]:
        """Every grade the value can have, the laboratory-only grade first."""
        return tuple(r.grade for r in self.readings)

    @property
    def highest_reading(self) -> int:
        return max(self.grades)

    def readings_text(self) -> str:
        """'grade 2 if asymptomatic; grade 3 if symptomatic', or '' when the value settles it."""
        if not self.lab_only:
            return ""
        return "; ".join(
            f"grade {r.grade} "
            + ("on the laboratory value alone" if r.condition == LAB_VALUE_ALONE else f"if {r.condition}")
            for r in self.readings
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "date": self.date.isoformat(),
            "row": self.row,
            "lab": self.lab,
            "value": float(self.value),
            "unit": self.unit,
            "term": self.term,
            "meddra_code": self.meddra_code,
            "grade": self.grade,
            "band": self.band,
            "explanation": self.explanation,
            "scheme": self.scheme,
            "lab_only": self.lab_only,
            "grades": list(self.grades),
            "readings": [r.to_dict() for r in self.readings],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        head = f"{self.subject_id} {self.date} {self.term} [{self.meddra_code}]: grade {self.grade}"
        if self.lab_only:
            head += f" (laboratory value only: {self.readings_text()})"
        lines = [head, f"  {self.explanation}"]
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class WorstGrade:
    """A subject's worst grade of one term over a period, and the result that gave it."""

    subject_id: str
    term: str
    meddra_code: str
    start: date
    end: date
    grade: int
    highest_reading: int
    results: int
    worst: GradeResult

    @property
    def on(self) -> date:
        return self.worst.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "term": self.term,
            "meddra_code": self.meddra_code,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "grade": self.grade,
            "highest_reading": self.highest_reading,
            "results": self.results,
            "on": self.on.isoformat(),
            "worst": self.worst.to_dict(),
        }

    def __str__(self) -> str:
        text = f"{self.subject_id} {self.term} [{self.meddra_code}] {self.start}–{self.end}: worst grade {self.grade}"
        text += f" on {self.on} (of {self.results} result{'s' if self.results != 1 else ''})"
        if self.highest_reading > self.grade:
            text += f"; up to grade {self.highest_reading} on clinical facts"
        return text
