"""The `trialdesk` command line: a thin interface over the screening services.

Heavy modules are imported inside the commands, so `trialdesk --help` and a single
screening start fast. Bad input exits with status 2 and one clear message; a completed
screening exits 0 whatever its verdict.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from trialdesk.ingest.cli import app as import_app
from trialdesk.ingest.cli import export_app

if TYPE_CHECKING:
    from rich.console import Console

    from trialdesk.knowledge.base import Knowledge
    from trialdesk.protocol.load import LoadedProtocol
    from trialdesk.screening.batch import PatientOutcome

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Computable protocols and patient screening for phase 2 oncology trials.",
)
protocol_app = typer.Typer(no_args_is_help=True, help="List, show and validate computable protocols.")
schema_app = typer.Typer(no_args_is_help=True, help="Print published JSON Schemas.")
app.add_typer(protocol_app, name="protocol")
app.add_typer(schema_app, name="schema")
design_app = typer.Typer(no_args_is_help=True, help="Single-arm phase 2 designs: Simon two-stage, A'Hern single-stage.")
app.add_typer(design_app, name="design")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
population_app = typer.Typer(no_args_is_help=True, help="Patient-facts populations for pre-screening in SQL.")
app.add_typer(population_app, name="population")


class Format(StrEnum):
    table = "table"
    json = "json"
    html = "html"


AsOf = Annotated[str | None, typer.Option("--as-of", help="screening date, YYYY-MM-DD (default: today)")]
FirstDose = Annotated[
    str | None, typer.Option("--first-dose", help="planned first dose, YYYY-MM-DD (default: the as-of date)")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or html")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of the terminal")]
ProtocolsDir = Annotated[
    Path | None, typer.Option("--protocols", help="folder of protocol files (default: the shipped ones)")
]
DefaultWindow = Annotated[
    int, typer.Option("--default-window", help="days an observation stays usable when a protocol states no window")
]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{name} {text!r} is not a date\n  fix: write it as YYYY-MM-DD")


def _knowledge() -> Knowledge:
    from trialdesk.knowledge.base import load_knowledge

    return load_knowledge()


def _protocols(knowledge: Knowledge, folder: Path | None, trials: list[str] | None) -> list[LoadedProtocol]:
    from trialdesk.protocol.load import load_protocols

    loaded = load_protocols(knowledge, folder)
    if not trials:
        return list(loaded.values())
    missing = [t for t in trials if t not in loaded]
    if missing:
        _fail(f"no protocol for {', '.join(missing)}\n  fix: one of {', '.join(loaded)} (trialdesk protocol list)")
    return [loaded[t] for t in trials]


def _console(output: Path | None) -> Console:
    from rich.console import Console

    # a pipe or a file gets a readable width rather than the 80 columns Rich assumes
    wide = output is not None or not sys.stdout.isatty()
    return Console(file=output.open("w", encoding="utf-8") if output else None, width=140 if wide else None)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _run_screening(
    patients: list[Path],
    trials: list[str] | None,
    as_of_text: str | None,
    first_text: str | None,
    fmt: Format,
    output: Path | None,
    folder: Path | None,
    window: int,
    ordered: bool,
) -> None:
    from rich.console import Console
    from rich.progress import Progress

    from trialdesk.criteria.evaluate import Settings
    from trialdesk.errors import TrialdeskError
    from trialdesk.screening.batch import record_files, screen_files
    from trialdesk.screening.screen import Screener

    as_of = _date(as_of_text, "--as-of") or date.today()
    first_dose = _date(first_text, "--first-dose")
    try:
        knowledge = _knowledge()
        protocols = _protocols(knowledge, folder, trials)
        screeners = [Screener(p, knowledge, Settings(default_window_days=window)) for p in protocols]
        files = record_files(patients)
        if not files:
            _fail("no patient records found\n  fix: name .json or .yaml record files or a folder holding them")
        if fmt is Format.html and (output is None or len(files) != 1):
            _fail("--format html writes one patient's summary to a file\n  fix: name one patient and add -o FILE.html")
        outcomes: list[PatientOutcome] = []
        with Progress(console=Console(stderr=True), transient=True, disable=len(files) < 20) as progress:
            task = progress.add_task("screening", total=len(files))
            for outcome in screen_files(
                files, screeners, knowledge, as_of, first_dose, ordered=ordered, progress=lambda: progress.advance(task)
            ):
                outcomes.append(outcome)
    except TrialdeskError as exc:
        _fail(str(exc))
    if len(files) == 1 and outcomes[0].error is not None:
        _fail(str(outcomes[0].error))
    _emit(outcomes, protocols, fmt, output, single=len(files) == 1)


def _emit(
    outcomes: list[PatientOutcome], protocols: list[LoadedProtocol], fmt: Format, output: Path | None, single: bool
) -> None:

    from trialdesk.render.table import screening_renderable, summary_renderable

    if fmt is Format.json:
        data: Any
        rows = [
            {"file": str(o.path), "error": str(o.error)} if o.error else [r.to_dict() for r in o.results]
            for o in outcomes
        ]
        data = rows[0] if single else rows
        if single and isinstance(data, list) and len(data) == 1:
            data = data[0]
        _write(json.dumps(data, indent=2, ensure_ascii=False), output)
        return
    if fmt is Format.html:
        from trialdesk.render.html import prescreen_html

        result = outcomes[0].results[0]
        review = next((p.protocol.review for p in protocols if p.id == result.trial), ())
        _write(prescreen_html(result, review), output)
        return
    console = _console(output)
    if single:
        for result in outcomes[0].results:
            console.print(screening_renderable(result))
    else:
        console.print(summary_renderable(outcomes))


@app.command()
def screen(
    patients: Annotated[list[Path], typer.Argument(help="patient record files (.json/.yaml) or folders")],
    trial: Annotated[list[str], typer.Option("--trial", "-t", help="trial id, e.g. NCT07077564 (repeatable)")],
    as_of: AsOf = None,
    first_dose: FirstDose = None,
    fmt: FormatOpt = Format.table,
    output: Output = None,
    protocols: ProtocolsDir = None,
    default_window: DefaultWindow = 14,
) -> None:
    """Screen patients against a trial: each criterion's verdict, evidence and what is missing."""
    _run_screening(patients, trial, as_of, first_dose, fmt, output, protocols, default_window, ordered=False)


@app.command("match")
def match_command(
    patients: Annotated[list[Path], typer.Argument(help="patient record files (.json/.yaml) or folders")],
    trial: Annotated[list[str] | None, typer.Option("--trial", "-t", help="limit to these trials")] = None,
    as_of: AsOf = None,
    first_dose: FirstDose = None,
    fmt: FormatOpt = Format.table,
    output: Output = None,
    protocols: ProtocolsDir = None,
    default_window: DefaultWindow = 14,
) -> None:
    """Match patients across all trials: eligible first, then undetermined, then ineligible."""
    _run_screening(patients, trial, as_of, first_dose, fmt, output, protocols, default_window, ordered=True)


@protocol_app.command("list")
def protocol_list(protocols: ProtocolsDir = None) -> None:
    """The shipped protocols with their criteria counts and content hashes."""
    from rich.console import Console
    from rich.table import Table

    from trialdesk.errors import TrialdeskError

    try:
        loaded = _protocols(_knowledge(), protocols, None)
    except TrialdeskError as exc:
        _fail(str(exc))
    table = Table()
    for column in ("trial", "title", "inclusion", "exclusion", "with readings", "sha256"):
        table.add_column(column)
    for p in loaded:
        kinds = [c.criterion.kind for c in p.criteria]
        table.add_row(
            p.id,
            p.protocol.title,
            str(kinds.count("inclusion")),
            str(kinds.count("exclusion")),
            str(sum(c.ambiguous for c in p.criteria)),
            p.sha256[:12],
        )
    Console().print(table)


@protocol_app.command("show")
def protocol_show(trial_id: str, fmt: FormatOpt = Format.table, protocols: ProtocolsDir = None) -> None:
    """Every criterion of a protocol with its source sentence, rule or readings."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from trialdesk.criteria.format import format_rule
    from trialdesk.errors import TrialdeskError

    try:
        (p,) = _protocols(_knowledge(), protocols, [trial_id])
    except TrialdeskError as exc:
        _fail(str(exc))
    if fmt is Format.json:
        _write(
            json.dumps({**p.protocol.model_dump(mode="json"), "sha256": p.sha256}, indent=2, ensure_ascii=False), None
        )
        return
    console = Console()
    console.print(f"[bold]{p.id}[/bold] {p.protocol.title}\nsha256 {p.sha256}")
    table = Table(show_lines=True)
    for column in ("criterion", "source", "rule"):
        table.add_column(column)
    for pc in p.criteria:
        rules = "\n".join(
            f"({r.label}) {format_rule(r.rule)}" if pc.ambiguous else format_rule(r.rule) for r in pc.readings
        )
        # rules hold [..] lists, which Rich would read as markup
        table.add_row(escape(f"{pc.criterion.kind[:3]} {pc.criterion.id}"), escape(pc.criterion.source), escape(rules))
    console.print(table)


@protocol_app.command("validate")
def protocol_validate(file: Path) -> None:
    """Validate a protocol file: rules parse, names resolve, units convert, sources are verbatim."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.protocol.load import load_protocol, missing_seeds

    try:
        p = load_protocol(file, _knowledge())
    except TrialdeskError as exc:
        _fail(str(exc))
    for seed in missing_seeds(p.protocol, file.parent):
        typer.echo(f"warning: seed {seed} not found beside {file}: its quotations were not checked", err=True)
    typer.echo(f"{file}: valid — {p.id}, {len(p.criteria)} criteria, sha256 {p.sha256}")


class DataFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("recist")
def recist_command(
    assessments: Annotated[Path, typer.Argument(help="tumour assessments, .json or .csv (see examples/recist/)")],
    confirm: Annotated[
        bool, typer.Option("--confirm/--no-confirm", help="best response with confirmation of CR/PR")
    ] = True,
    min_sd_weeks: Annotated[
        int, typer.Option("--min-sd-weeks", help="SD counts as best response from this many weeks after the start")
    ] = 6,
    confirmation_weeks: Annotated[
        int, typer.Option("--confirmation-weeks", help="minimum interval to confirm CR/PR")
    ] = 4,
    fmt: Annotated[DataFormat, typer.Option("--format", "-f", help="table or json")] = DataFormat.table,
    output: Output = None,
) -> None:
    """RECIST 1.1 per visit and best overall response, with and without confirmation."""

    from trialdesk.errors import TrialdeskError
    from trialdesk.recist import assess_subjects, load_recist_file, render_table

    try:
        results = assess_subjects(
            load_recist_file(assessments),
            min_sd_days=7 * min_sd_weeks,
            confirm=confirm,
            confirmation_days=7 * confirmation_weeks,
        )
    except TrialdeskError as exc:
        _fail(str(exc))
    if fmt is DataFormat.json:
        _write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False, default=str), output)
        return
    _console(output).print(render_table(results, confirm=confirm))


@app.command("ctcae")
def ctcae_command(
    labs: Annotated[Path, typer.Argument(help="lab values, .json or .csv (see examples/ctcae/)")],
    fmt: Annotated[DataFormat, typer.Option("--format", "-f", help="table or json")] = DataFormat.table,
    output: Output = None,
) -> None:
    """CTCAE v5.0 grades of laboratory values, with the band that decided each."""

    from trialdesk.ctcae import grade_labs, load_ctcae_criteria, load_lab_file, render_table
    from trialdesk.errors import TrialdeskError

    try:
        knowledge = _knowledge()
        results = grade_labs(load_lab_file(labs), knowledge, load_ctcae_criteria(knowledge))
    except TrialdeskError as exc:
        _fail(str(exc))
    if fmt is DataFormat.json:
        _write(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False, default=str), output)
        return
    _console(output).print(render_table(results))


class CiType(StrEnum):
    log = "log"
    log_log = "log-log"


# The CSV form of a trial dataset gives these beside the assessments CSV (JSON carries them)
LesionsCsv = Annotated[
    Path | None,
    typer.Option("--lesions", help="CSV dataset: the lesion reads, one row per lesion per read (see docs/analysis.md)"),
]
Screened = Annotated[
    int | None, typer.Option("--screened", help="CSV dataset: patients screened, the enrolled included")
]


@app.command("analyse")
def analyse_command(
    dataset: Annotated[Path, typer.Argument(help="trial dataset, .json or .csv (see examples/analysis/)")],
    cutoff: Annotated[str, typer.Option("--cutoff", help="data cut-off date, YYYY-MM-DD: nothing after it is seen")],
    trial: Annotated[str | None, typer.Option("--trial", "-t", help="trial id (required for CSV)")] = None,
    lesions: LesionsCsv = None,
    screened: Screened = None,
    ci: Annotated[
        CiType, typer.Option("--ci", help="Kaplan-Meier interval: log (R survival) or log-log (lifelines)")
    ] = CiType.log_log,
    wilson: Annotated[bool, typer.Option("--wilson", help="Wilson intervals for ORR/DCR instead of exact")] = False,
    confirm: Annotated[bool, typer.Option("--confirm/--no-confirm", help="ORR with confirmation of CR/PR")] = True,
    fmt: Annotated[DataFormat, typer.Option("--format", "-f", help="table or json")] = DataFormat.table,
    output: Output = None,
) -> None:
    """ORR and DCR with exact intervals, PFS, OS and DOR by Kaplan-Meier, follow-up, at a data cut-off."""
    from trialdesk.analysis import analyse_trial_file
    from trialdesk.errors import TrialdeskError

    day = _date(cutoff, "--cutoff")
    assert day is not None
    try:
        analysis = analyse_trial_file(
            dataset,
            cutoff=day,
            trial_id=trial,
            lesions=lesions,
            screened=screened,
            ci_type=ci.value,
            proportion_ci="wilson" if wilson else "exact",
            confirm=confirm,
        )
    except TrialdeskError as exc:
        _fail(str(exc))
    _write(analysis.to_json() if fmt is DataFormat.json else str(analysis), output)


P0 = Annotated[float, typer.Option("--p0", help="response rate of no interest (H0)")]
P1 = Annotated[float, typer.Option("--p1", help="response rate worth pursuing (H1)")]
Alpha = Annotated[float, typer.Option("--alpha", help="one-sided type I error")]
Power = Annotated[float, typer.Option("--power", help="power at p1")]


@design_app.command("simon")
def design_simon(
    p0: P0,
    p1: P1,
    alpha: Alpha = 0.05,
    power: Power = 0.80,
    target: Annotated[int, typer.Option("--target", help="an enrolment target to check designs against")] = 35,
    fmt: Annotated[DataFormat, typer.Option("--format", "-f", help="table or json")] = DataFormat.table,
) -> None:
    """Optimal and minimax Simon two-stage designs, the A'Hern single-stage design, and the
    designs consistent with an enrolment target (NCT07077564 targets 35)."""
    from trialdesk.design import (
        ConsistentDesigns,
        SimonDesigns,
        SingleStageDesign,
        ahern_single_stage,
        consistent_designs,
        render_design,
        simon_two_stage,
    )
    from trialdesk.errors import TrialdeskError

    try:
        results: list[SimonDesigns | SingleStageDesign | ConsistentDesigns] = [
            simon_two_stage(p0, p1, alpha, power),
            ahern_single_stage(p0, p1, alpha, power),
            consistent_designs(target, alpha, power),
        ]
    except TrialdeskError as exc:
        _fail(str(exc))
    if fmt is DataFormat.json:
        keys = ("simon", "single_stage", "consistent_with_target")
        _write(json.dumps(dict(zip(keys, (r.to_dict() for r in results), strict=True)), indent=2, default=str), None)
        return
    console = _console(None)
    for result in results:
        console.print(render_design(result))


@design_app.command("interim")
def design_interim(
    p0: P0,
    p1: P1,
    responses: Annotated[int, typer.Option("--responses", help="responses so far")],
    evaluated: Annotated[int, typer.Option("--evaluated", help="patients evaluable for response so far")],
    alpha: Alpha = 0.05,
    power: Power = 0.80,
    which: Annotated[str, typer.Option("--design", help="optimal or minimax")] = "optimal",
    fmt: Annotated[DataFormat, typer.Option("--format", "-f", help="table or json")] = DataFormat.table,
) -> None:
    """Continue or stop a running Simon two-stage trial, given the responses so far."""
    from trialdesk.design import interim_decision, render_design, simon_two_stage
    from trialdesk.errors import TrialdeskError

    if which not in ("optimal", "minimax"):
        _fail(f"--design {which!r}\n  fix: optimal or minimax")
    try:
        design = getattr(simon_two_stage(p0, p1, alpha, power), which)
        decision = interim_decision(design, responses, evaluated)
    except TrialdeskError as exc:
        _fail(str(exc))
    if fmt is DataFormat.json:
        _write(json.dumps(decision.to_dict(), indent=2, default=str), None)
        return
    _console(None).print(render_design(decision))


class Vocabulary(StrEnum):
    drugs = "drugs"
    vaccines = "vaccines"
    labs = "labs"
    histology = "histology"
    conditions = "conditions"
    sites = "sites"
    attestations = "attestations"


@app.command("report")
def report_cli(
    dataset: Annotated[Path, typer.Argument(help="trial dataset, .json or .csv (see examples/analysis/)")],
    trial: Annotated[str, typer.Option("--trial", "-t", help="trial id, e.g. NCT07077564")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the HTML file to write")],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="data cut-off, YYYY-MM-DD (default: the latest date in the dataset)")
    ] = None,
    ci: Annotated[
        CiType, typer.Option("--ci", help="Kaplan-Meier interval: log (R survival) or log-log (lifelines)")
    ] = CiType.log_log,
    wilson: Annotated[bool, typer.Option("--wilson", help="Wilson intervals for ORR/DCR instead of exact")] = False,
    target: Annotated[
        int | None, typer.Option("--target", help="enrolment target for the design (default: the protocol's)")
    ] = None,
    svg: Annotated[bool, typer.Option("--svg", help="inline SVG figures instead of PNG")] = False,
    protocols: ProtocolsDir = None,
    lesions: LesionsCsv = None,
    screened: Screened = None,
) -> None:
    """One self-contained HTML report: endpoints, subject flow, design, censoring rules, figures."""
    from trialdesk.analysis.commands import report_command
    from trialdesk.errors import TrialdeskError

    day = _date(cutoff, "--cutoff")
    try:
        written = report_command(
            dataset,
            trial,
            out,
            day,
            lesions=lesions,
            screened=screened,
            ci_type=ci.value,
            proportion_ci="wilson" if wilson else "exact",
            target=target,
            protocols=protocols,
            figure_format="svg" if svg else "png",
        )
    except TrialdeskError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {written}", err=True)


@app.command("adam")
def adam_cli(
    dataset: Annotated[Path, typer.Argument(help="trial dataset, .json or .csv (see examples/analysis/)")],
    trial: Annotated[str, typer.Option("--trial", "-t", help="trial id, e.g. NCT07077564")],
    out_dir: Annotated[Path, typer.Option("--output", "-o", help="folder for adsl.csv, adrs.csv, adtte.csv")],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="data cut-off, YYYY-MM-DD (default: the latest date in the dataset)")
    ] = None,
    confirm: Annotated[bool, typer.Option("--confirm/--no-confirm", help="DOR for confirmed responders")] = True,
    lesions: LesionsCsv = None,
    screened: Screened = None,
) -> None:
    """ADaM-style ADSL, ADRS (OVRLRESP, BOR, CBOR) and ADTTE (PFS, OS, DOR) as CSV."""
    from trialdesk.analysis.commands import adam_command
    from trialdesk.errors import TrialdeskError

    day = _date(cutoff, "--cutoff")
    try:
        written = adam_command(dataset, trial, out_dir, day, lesions=lesions, screened=screened, confirm=confirm)
    except TrialdeskError as exc:
        _fail(str(exc))
    for path in written:
        typer.echo(f"wrote {path}", err=True)


@app.command("prescreen")
def prescreen_command(
    facts: Annotated[
        Path | None,
        typer.Argument(
            help="facts directory (Parquet, one file per table) or a facts database from `trialdesk population "
            "open`; not needed with --show-sql"
        ),
    ] = None,
    trial: Annotated[list[str] | None, typer.Option("--trial", "-t", help="trial id (repeatable)")] = None,
    all_trials: Annotated[bool, typer.Option("--all", help="every protocol")] = False,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (embedded), spark or postgres")] = "duckdb",
    postgres_url: Annotated[
        str | None, typer.Option("--postgres-url", help="PostgreSQL server for --engine postgres")
    ] = None,
    spark_master: Annotated[str, typer.Option("--spark-master", help="Spark master URL")] = "local[2]",
    memory_limit: Annotated[
        str | None,
        typer.Option("--memory-limit", help="cap DuckDB's memory, e.g. 3GB (it spills to a temporary directory)"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="screen everyone at this date (default: each patient's own)")
    ] = None,
    first_dose: FirstDose = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the per-patient rows to this .parquet file")
    ] = None,
    show_sql: Annotated[bool, typer.Option("--show-sql", help="print the generated SQL and stop")] = False,
    no_earliest: Annotated[
        bool, typer.Option("--no-earliest", help="skip the search for the earliest eligible date")
    ] = False,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json, or html (a report to share) of the funnel")
    ] = Format.table,
    calls: Annotated[
        int, typer.Option("--calls", min=0, help="list the first N patients to call per trial (0: none)")
    ] = 10,
    protocols: ProtocolsDir = None,
    default_window: DefaultWindow = 14,
) -> None:
    """Pre-screen a population in SQL: one row per patient and trial, the funnel, and whom
    to call first."""
    from rich.console import Console
    from rich.progress import Progress

    from trialdesk.criteria.evaluate import Settings
    from trialdesk.errors import TrialdeskError
    from trialdesk.population.commands import ENGINES, compile_all, open_engine, prescreen_population, write_rows
    from trialdesk.population.funnel import call_list
    from trialdesk.render.funnel import call_list_table, funnel_table, work_list_table

    if not trial and not all_trials:
        _fail("name a trial with --trial ID or use --all\n  fix: trialdesk protocol list shows the ids")
    if engine not in ENGINES:
        _fail(f"--engine {engine!r} is not an engine\n  fix: one of {', '.join(ENGINES)}")
    knowledge = _knowledge()
    chosen = _protocols(knowledge, protocols, None if all_trials else trial)
    day = _date(as_of, "--as-of")
    first = _date(first_dose, "--first-dose")
    if first is not None and day is None:
        _fail("--first-dose needs --as-of\n  fix: give both, or neither to use each patient's own dates")
    settings = Settings(default_window_days=default_window)
    try:
        compiled = compile_all(chosen, knowledge, day, first, settings, earliest=not no_earliest)
    except TrialdeskError as exc:
        _fail(str(exc))
    if show_sql:
        dialect = engine
        for c in compiled:
            typer.echo(f"-- {c.trial}: one row per patient ({', '.join(c.columns[:3])}, …)")
            for statement in c.statements(dialect, pretty=True):
                typer.echo(statement + ";")
        return
    if facts is None:
        _fail(
            "give the facts directory\n  fix: trialdesk population synth 10000 -o facts, then trialdesk prescreen facts"
        )
    console = _console(None)
    try:
        # the bar goes to stderr: stdout may be JSON or HTML for another program
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("opening the facts", total=len(chosen) + 1)
            db = open_engine(
                engine,
                facts,
                knowledge,
                postgres_url=postgres_url,
                spark_master=spark_master,
                memory_limit=memory_limit,
                progress=lambda table: bar.update(task, description=f"opening the facts: {table}"),
            )

            def step(trial_id: str) -> None:
                bar.update(task, advance=1, description=f"pre-screening {trial_id}")

            try:
                runs = prescreen_population(db, chosen, compiled, engine, step)
            finally:
                db.close()
    except TrialdeskError as exc:
        _fail(str(exc))
    to_call = [call_list(run.protocol, run.rows, calls) for run in runs]
    if fmt == Format.html:
        from trialdesk.render.html import TrialReport, population_html

        when = (
            f"screened at {day}" + (f", first dose {first}" if first else "")
            if day
            else "each patient at their own dates"
        )
        reports = [TrialReport(run.funnel, picked) for run, picked in zip(runs, to_call, strict=True)]
        _write(population_html(reports, str(facts), when), None)
    elif fmt == Format.json:
        summaries = [
            {**r.funnel.to_dict(), "calls": [c.to_dict() for c in picked], "seconds": round(r.seconds, 3)}
            for r, picked in zip(runs, to_call, strict=True)
        ]
        _write(json.dumps(summaries, indent=2), None)
    else:
        for run, picked in zip(runs, to_call, strict=True):
            console.print(funnel_table(run.funnel, run.seconds))
            if run.funnel.work_list:
                console.print(work_list_table(run.funnel))
            if picked:
                console.print(call_list_table(run.protocol.id, picked))
    if output is not None:
        try:
            for path in write_rows(runs, output):
                typer.echo(f"wrote {path}", err=True)
        except TrialdeskError as exc:
            _fail(str(exc))


@population_app.command("synth")
def population_synth(
    n: Annotated[int, typer.Argument(help="number of synthetic patients")],
    output: Annotated[Path, typer.Option("--output", "-o", help="facts directory to write")],
    seed: Annotated[int, typer.Option("--seed", help="seed of the random generator")] = 0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="screening date, YYYY-MM-DD (default: today)")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Write N synthetic patients (never real ones) as a facts directory."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.population.synth import synth_command

    try:
        summary = synth_command(n, seed, output, _knowledge(), _date(as_of, "--as-of"))
    except TrialdeskError as exc:
        _fail(str(exc))
    _write(json.dumps(summary.to_dict(), indent=2) if fmt == Format.json else str(summary), None)


@population_app.command("open")
def population_open(
    facts: Annotated[Path, typer.Argument(help="facts directory (Parquet, one file per table)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="facts database to write (*.duckdb)")],
    memory_limit: Annotated[
        str | None,
        typer.Option("--memory-limit", help="cap DuckDB's memory, e.g. 3GB (it spills to a temporary directory)"),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Check a facts directory once and keep it as a database `trialdesk prescreen` reads."""
    from rich.console import Console

    from trialdesk.errors import TrialdeskError
    from trialdesk.population.commands import open_database

    started = time.perf_counter()
    try:
        with Console(stderr=True).status("opening the facts") as status:
            info = open_database(
                facts, _knowledge(), output, memory_limit, lambda table: status.update(f"checking {table}")
            )
    except TrialdeskError as exc:
        _fail(str(exc))
    seconds = time.perf_counter() - started
    if fmt == Format.json:
        _write(json.dumps({**info.to_dict(), "seconds": round(seconds, 3)}, indent=2), None)
    else:
        _write(
            f"{info.path}: {info.patients:,} patients from {info.source}, checked in {seconds:.1f} s "
            f"(knowledge {info.knowledge_version}, {info.knowledge})",
            None,
        )


@population_app.command("export")
def population_export(
    facts: Annotated[Path, typer.Argument(help="facts directory or facts database (*.duckdb)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="new directory for the canonical Parquet tables")],
    buckets: Annotated[
        int | None, typer.Option("--buckets", help="partition every table by patient into N buckets")
    ] = None,
) -> None:
    """Write the canonical facts as Parquet for Spark on a cluster (spark_job reads them)."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.population.commands import export_canonical

    try:
        written = export_canonical(facts, _knowledge(), output, buckets)
    except TrialdeskError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {len(written)} tables to {output}", err=True)


@population_app.command("load")
def population_load(
    records: Annotated[list[Path], typer.Argument(help="patient records or folders (trialdesk JSON or FHIR)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="facts directory to write")],
    as_of: AsOf = None,
    first_dose: FirstDose = None,
) -> None:
    """Turn patient records into a facts directory for `trialdesk prescreen`."""
    from trialdesk.errors import TrialdeskError
    from trialdesk.patient.load import load_patient
    from trialdesk.patient.view import build_view
    from trialdesk.population.facts import Screening, export_parquet, load_duckdb
    from trialdesk.screening.batch import record_files

    knowledge = _knowledge()
    day = _date(as_of, "--as-of") or date.today()
    first = _date(first_dose, "--first-dose") or day
    try:
        screenings = [
            Screening(build_view(load_patient(path), knowledge, day), day, first) for path in record_files(records)
        ]
        con = load_duckdb(screenings, knowledge)
        written = export_parquet(con, output, knowledge)
    except TrialdeskError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {len(screenings)} patients to {output} ({len(written)} tables)", err=True)


@app.command("knowledge")
def knowledge_command(
    vocabulary: Annotated[Vocabulary, typer.Argument(help="which vocabulary to list")],
    query: Annotated[str | None, typer.Argument(help="only entries whose code or names contain this")] = None,
) -> None:
    """List the codes a patient record and a protocol may use, with their citations."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from trialdesk.knowledge.base import name_key

    kb = _knowledge()
    entries: Mapping[str, Any] = {
        "drugs": kb.drugs,
        "vaccines": kb.vaccines,
        "labs": kb.labs,
        "histology": kb.histologies,
        "conditions": kb.conditions,
        "sites": kb.sites,
        "attestations": kb.attestations,
    }[vocabulary.value]
    table = Table(title=f"knowledge: {vocabulary.value}")
    table.add_column("code", no_wrap=True)  # the column people copy from: never cut
    for column in ("name", "details", "citation"):
        table.add_column(column)
    needle = name_key(query or "")
    for code, entry in entries.items():
        names = [code, entry.name, *getattr(entry, "synonyms", ()), *getattr(entry, "loinc", ())]
        if needle and not any(needle in name_key(n) for n in names):
            continue
        details = (
            ", ".join(sorted(getattr(entry, "classes", ())))
            or ", ".join(getattr(entry, "loinc", ()))
            or getattr(entry, "icdo3", "")
            or ""
        )
        table.add_row(code, escape(entry.name), escape(str(details)), escape(entry.citations[0]))
    Console().print(table)


@schema_app.command("patient")
def schema_patient() -> None:
    """The JSON Schema of the patient record."""
    from trialdesk.patient.record import Patient

    _write(json.dumps(Patient.model_json_schema(), indent=2, ensure_ascii=False), None)


@schema_app.command("recist")
def schema_recist() -> None:
    """The JSON Schema of a tumour assessments file for `trialdesk recist`."""
    from trialdesk.recist import recist_input_schema

    _write(json.dumps(recist_input_schema(), indent=2, ensure_ascii=False), None)


@schema_app.command("labs")
def schema_labs() -> None:
    """The JSON Schema of a lab file for `trialdesk ctcae`."""
    from trialdesk.ctcae import lab_file_json_schema

    _write(json.dumps(lab_file_json_schema(), indent=2, ensure_ascii=False), None)


def main() -> None:
    app()
