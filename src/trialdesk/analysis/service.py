"""The one call an interface (CLI, web) makes: load a dataset file and analyse it at a cut-off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialdesk.analysis.censoring import CensoringRules
from trialdesk.analysis.dataset_io import load_trial_dataset
from trialdesk.analysis.endpoints import EndpointAnalysis
from trialdesk.analysis.proportions import ProportionCI
from trialdesk.analysis.survival import SurvivalCI


def analyse_trial_file(
    path: Path,
    *,
    cutoff: dt.date,
    trial_id: str | None = None,
    lesions: Path | None = None,
    screened: int | None = None,
    ci_type: SurvivalCI = "log-log",
    proportion_ci: ProportionCI = "exact",
    confirm: bool = True,
    censoring: CensoringRules | None = None,
) -> EndpointAnalysis:
    """Load `path` (JSON, or the CSV form: it needs `trial_id` and takes `lesions` and
    `screened` beside it; JSON is checked against `trial_id`) and fit an `EndpointAnalysis`
    at `cutoff`. Errors are `AnalysisError`, naming subject and field.

    Example
    -------
    >>> analysis = analyse_trial_file(
    ...     Path("examples/analysis/NCT07520357.json"), cutoff=dt.date(2026, 10, 1), ci_type="log"
    ... )
    >>> analysis.n
    29
    """
    dataset = load_trial_dataset(path, trial_id=trial_id, lesions=lesions, screened=screened)
    return EndpointAnalysis(
        cutoff=cutoff, ci_type=ci_type, proportion_ci=proportion_ci, confirm=confirm, censoring=censoring
    ).fit(dataset)
