"""`trialdesk import …` and `trialdesk export …`: thin commands over trialdesk.ingest.fhir.

Wired into the main CLI as `app.add_typer(import_app, name="import")` and
`app.add_typer(export_app, name="export")`.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(no_args_is_help=True, help="Import patient records from other systems (FHIR R4 / mCODE).")
export_app = typer.Typer(no_args_is_help=True, help="Export records, protocols and screenings as FHIR R4.")


@app.callback()
def _import_group() -> None:
    """Import patient records from other systems (FHIR R4 / mCODE)."""


Output = Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of standard output")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _write(data: Any, output: Path | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


@app.command("fhir")
def import_fhir_command(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (.json) or NDJSON of resources (.ndjson)")],
    output: Output = None,
    report: Annotated[Path | None, typer.Option("--report", help="also write the import report as JSON")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print {patient, report} as one JSON object")] = False,
) -> None:
    """Map a FHIR R4 bundle into a patient record; list what could not be mapped, and why."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.ingest.fhir.importer import import_fhir_file
    from trialdesk.knowledge.base import load_knowledge

    try:
        imported = import_fhir_file(bundle, load_knowledge())
    except TrialdeskError as exc:
        _fail(str(exc))
    typer.echo(str(imported.report), err=True)
    if report is not None:
        _write(imported.report.to_dict(), report)
    if as_json:
        _write(imported.to_dict(), output)
    else:
        _write(imported.patient.model_dump(mode="json", exclude_none=True), output)


@export_app.command("patient")
def export_patient_command(
    record: Annotated[Path, typer.Argument(help="patient record (.json/.yaml)")], output: Output = None
) -> None:
    """A patient record as a FHIR R4 collection Bundle."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.ingest.fhir.export_patient import patient_bundle
    from trialdesk.ingest.fhir.terms import load_fhir_terms
    from trialdesk.knowledge.base import load_knowledge
    from trialdesk.patient.load import load_patient

    try:
        _write(patient_bundle(load_patient(record), load_knowledge(), load_fhir_terms()), output)
    except TrialdeskError as exc:
        _fail(str(exc))


@export_app.command("protocol")
def export_protocol_command(
    trial: Annotated[str, typer.Argument(help="trial id, e.g. NCT07520357")], output: Output = None
) -> None:
    """A computable protocol as a FHIR R4 ResearchStudy with its enrolment Group."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.ingest.fhir.export_study import protocol_bundle
    from trialdesk.knowledge.base import load_knowledge
    from trialdesk.protocol.load import load_protocols

    try:
        knowledge = load_knowledge()
        protocols = load_protocols(knowledge, None)
        if trial not in protocols:
            _fail(f"no protocol for {trial}\n  fix: one of {', '.join(protocols)}")
        _write(protocol_bundle(protocols[trial], knowledge), output)
    except TrialdeskError as exc:
        _fail(str(exc))


@export_app.command("screening")
def export_screening_command(
    record: Annotated[Path, typer.Argument(help="patient record or FHIR bundle")],
    trial: Annotated[str, typer.Option("--trial", "-t", help="trial id")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today)")] = None,
    first_dose: Annotated[str | None, typer.Option("--first-dose", help="YYYY-MM-DD")] = None,
    output: Output = None,
) -> None:
    """A screening result as a FHIR R4 ResearchSubject with one Observation per criterion."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.ingest.fhir.export_study import screening_bundle
    from trialdesk.knowledge.base import load_knowledge
    from trialdesk.patient.load import load_patient
    from trialdesk.patient.view import build_view
    from trialdesk.protocol.load import load_protocols
    from trialdesk.screening.screen import Screener

    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
        first = date.fromisoformat(first_dose) if first_dose else None
    except ValueError:
        _fail("--as-of/--first-dose is not a date\n  fix: write it as YYYY-MM-DD")
    try:
        knowledge = load_knowledge()
        protocols = load_protocols(knowledge, None)
        if trial not in protocols:
            _fail(f"no protocol for {trial}\n  fix: one of {', '.join(protocols)}")
        view = build_view(load_patient(record), knowledge, day)
        result = Screener(protocols[trial], knowledge).screen(view, day, first)
        _write(screening_bundle(result), output)
    except TrialdeskError as exc:
        _fail(str(exc))
