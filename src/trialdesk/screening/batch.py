"""Screening many patients: collect record files, load each, screen it, keep going past a bad
file (its error is reported on its row; the others are still screened)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from trialdesk.errors import RecordError, TrialdeskError
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.load import load_patient_with_report
from trialdesk.patient.view import build_view
from trialdesk.screening.result import ScreeningResult
from trialdesk.screening.screen import Screener, match
from trialdesk.screening.toxicity import ctcae_lab_grader

RECORD_SUFFIXES = (".json", ".yaml", ".yml", ".ndjson")


def record_files(paths: Iterable[Path]) -> list[Path]:
    """The record files named, with folders expanded to the records they hold."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in RECORD_SUFFIXES)
        elif path.exists():
            files.append(path)
        else:
            raise RecordError(str(path), "no such file or folder", fix="check the path")
    return files


@dataclass(frozen=True)
class PatientOutcome:
    """The screenings of one record file, or the error that stopped it."""

    path: Path
    results: tuple[ScreeningResult, ...]
    error: TrialdeskError | None = None


def screen_files(
    files: Sequence[Path],
    screeners: Sequence[Screener],
    knowledge: Knowledge,
    as_of: date,
    first_dose: date | None,
    *,
    ordered: bool = False,
    progress: Callable[[], None] | None = None,
) -> Iterator[PatientOutcome]:
    """Screen each file against each screener; `ordered` sorts a patient's trials as
    `match` does (eligible, undetermined by open items, ineligible)."""
    grade_lab = ctcae_lab_grader(knowledge)
    for path in files:
        try:
            # a FHIR bundle comes with its import report: what could not be mapped
            patient, notes = load_patient_with_report(path)
            view = build_view(patient, knowledge, as_of, grade_lab)
            if ordered:
                results = tuple(match(view, screeners, as_of, first_dose))
            else:
                results = tuple(s.screen(view, as_of, first_dose) for s in screeners)
            if notes:
                results = tuple(replace(r, warnings=r.warnings + tuple(notes)) for r in results)
            yield PatientOutcome(path, results)
        except RecordError as exc:
            # checks against the knowledge base name the field; add the file it is in
            named = (
                exc
                if str(path) in exc.path
                else RecordError(f"{path}: {exc.path}", exc.message.split(": ", 1)[-1], fix=exc.fix)
            )
            yield PatientOutcome(path, (), named)
        except TrialdeskError as exc:
            yield PatientOutcome(path, (), exc)
        if progress is not None:
            progress()
