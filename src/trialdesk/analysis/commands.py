"""The bodies of `trialdesk report` and `trialdesk adam`: the CLI parses options and
calls these; they raise `TrialdeskError` (never a traceback) on bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from trialdesk.analysis.adam import derive_adam
from trialdesk.analysis.censoring import CensoringRules
from trialdesk.analysis.dataset_io import load_trial_dataset
from trialdesk.analysis.endpoints import EndpointAnalysis
from trialdesk.analysis.interim import ResponseReading, response_reading
from trialdesk.analysis.proportions import ProportionCI
from trialdesk.analysis.report import FigureFormat, build_report, latest_recorded_date
from trialdesk.analysis.survival import SurvivalCI
from trialdesk.design import trial_design
from trialdesk.errors import AnalysisError

if TYPE_CHECKING:
    from trialdesk.protocol.model import Protocol


def _trial_protocol(trial_id: str, protocols: Path | None) -> Protocol | None:
    """The trial's computable protocol; None when the trial has no protocol file."""
    import yaml
    from pydantic import ValidationError

    from trialdesk.protocol.load import protocols_dir
    from trialdesk.protocol.model import Protocol

    path = (protocols or protocols_dir()) / f"{trial_id}.yaml"
    if not path.is_file():
        return None
    try:
        return Protocol.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise AnalysisError(
            f"{path}: the protocol does not load ({type(exc).__name__})",
            fix=f"run `trialdesk protocol validate {path}` and correct what it reports",
        ) from None


def protocol_target_enrolment(trial_id: str, protocols: Path | None = None) -> int | None:
    """The `target_enrolment` of the trial's computable protocol; None when the trial has
    no protocol file or the protocol gives none (NCT07520357)."""
    protocol = _trial_protocol(trial_id, protocols)
    return protocol.target_enrolment if protocol is not None else None


def protocol_response_reading(trial_id: str, protocols: Path | None = None) -> ResponseReading:
    """The response reading of the trial's primary ORR endpoint (`response_reading`):
    NCT07520357 requires confirmation; NCT07077564 leaves it open (flagged)."""
    protocol = _trial_protocol(trial_id, protocols)
    endpoints = protocol.endpoints if protocol is not None else ()
    primary = next((e for e in endpoints if e.kind == "primary" and e.id == "orr"), None)
    if primary is None:
        return response_reading(None)
    return response_reading(
        primary.confirmation_required, endpoint=f"{primary.name} ({primary.definition})", review=primary.review
    )


def report_command(
    dataset: Path,
    trial: str,
    out: Path,
    cutoff: dt.date | None,
    *,
    lesions: Path | None = None,
    screened: int | None = None,
    ci_type: SurvivalCI = "log-log",
    proportion_ci: ProportionCI = "exact",
    target: int | None = None,
    protocols: Path | None = None,
    figure_format: FigureFormat = "png",
    censoring: CensoringRules | None = None,
) -> Path:
    """Write the self-contained HTML report of `dataset` (trial `trial`) at `cutoff`
    (None: the latest date recorded) to `out`; returns `out`. A CSV dataset takes its
    lesions CSV and screened count beside it (`load_trial_dataset`).

    The design section: the trial's proposal if trialdesk has one, else the designs
    consistent with `target`, or with the protocol's target enrolment when not given.
    The interim decision of its two-stage designs uses the reading of the protocol's
    primary ORR endpoint (`protocol_response_reading`).
    """
    data = load_trial_dataset(dataset, trial_id=trial, lesions=lesions, screened=screened)
    enrolment = target if target is not None else protocol_target_enrolment(trial, protocols)
    report = build_report(
        data,
        cutoff=cutoff,
        ci_type=ci_type,
        proportion_ci=proportion_ci,
        censoring=censoring,
        design=trial_design(trial, enrolment),
        reading=protocol_response_reading(trial, protocols),
        figure_format=figure_format,
    )
    return report.write(out)


def adam_command(
    dataset: Path,
    trial: str,
    out_dir: Path,
    cutoff: dt.date | None,
    *,
    lesions: Path | None = None,
    screened: int | None = None,
    confirm: bool = True,
    censoring: CensoringRules | None = None,
) -> tuple[Path, ...]:
    """Write adsl.csv, adrs.csv and adtte.csv of `dataset` at `cutoff` (None: the latest
    date recorded) into `out_dir`; returns the three paths. DOR in ADTTE is for confirmed
    responders unless `confirm` is False. A CSV dataset takes its lesions CSV and screened
    count beside it (`load_trial_dataset`)."""
    data = load_trial_dataset(dataset, trial_id=trial, lesions=lesions, screened=screened)
    day = cutoff if cutoff is not None else latest_recorded_date(data)
    analysis = EndpointAnalysis(cutoff=day, confirm=confirm, censoring=censoring).fit(data)
    return derive_adam(data, analysis).write(out_dir)
