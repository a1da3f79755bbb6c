"""Endpoint analyses of single-arm oncology trials at a data cut-off.

    data = load_trial_dataset(Path("examples/analysis/NCT07077564.json"))
    analysis = EndpointAnalysis(cutoff=date(2026, 10, 1), ci_type="log").fit(data)
    analysis.print_summary()                  # or analysis.to_dict(); analysis.orr, .pfs, ...

Interfaces call `analyse_trial_file(path, cutoff=..., trial_id=..., ci_type=...)`.

The pieces, each usable alone:
- `TrialDataset` and its loaders — the documented per-subject input (JSON, CSV)
- `dataset_at_cutoff` — what was known at the data cut-off
- `binomial_confidence_interval`, `BinomialProportion` — ORR and DCR (Clopper–Pearson, Wilson)
- `kaplan_meier`, `SurvivalEstimate` — median with log or log-log CI, landmarks, at risk
- `CensoringRules`, `derive_progression_free_survival`, `derive_overall_survival` — FDA 2018
"""

from trialdesk.analysis.censoring import (
    DAYS_PER_MONTH,
    CensoringRules,
    TimeToEvent,
    derive_overall_survival,
    derive_progression_free_survival,
    derive_time_on_treatment,
)
from trialdesk.analysis.dataset import (
    CSV_COLUMNS,
    TimePointAssessment,
    TrialDataset,
    TrialSubject,
    dataset_at_cutoff,
    load_trial_dataset,
    subject_at_cutoff,
    trial_dataset_from_csv,
    trial_dataset_from_data,
    trial_dataset_schema,
)
from trialdesk.analysis.endpoints import EndpointAnalysis, SubjectEndpoints, derive_subject_endpoints
from trialdesk.analysis.proportions import BinomialProportion, binomial_confidence_interval
from trialdesk.analysis.service import analyse_trial_file
from trialdesk.analysis.survival import SurvivalEstimate, SurvivalPoint, kaplan_meier

__all__ = [
    "CSV_COLUMNS",
    "DAYS_PER_MONTH",
    "BinomialProportion",
    "CensoringRules",
    "EndpointAnalysis",
    "SubjectEndpoints",
    "SurvivalEstimate",
    "SurvivalPoint",
    "TimePointAssessment",
    "TimeToEvent",
    "TrialDataset",
    "TrialSubject",
    "analyse_trial_file",
    "binomial_confidence_interval",
    "dataset_at_cutoff",
    "derive_overall_survival",
    "derive_progression_free_survival",
    "derive_subject_endpoints",
    "derive_time_on_treatment",
    "kaplan_meier",
    "load_trial_dataset",
    "subject_at_cutoff",
    "trial_dataset_from_csv",
    "trial_dataset_from_data",
    "trial_dataset_schema",
]
