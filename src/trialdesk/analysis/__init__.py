"""Endpoint analyses of single-arm oncology trials at a data cut-off.

    data = load_trial_dataset(Path("examples/analysis/NCT07077564.json"))
    analysis = EndpointAnalysis(cutoff=date(2026, 10, 1), ci_type="log").fit(data)
    analysis.print_summary()                  # or analysis.to_dict(); analysis.orr, .pfs, ...

Interfaces call `analyse_trial_file(path, cutoff=..., trial_id=..., ci_type=...)`.

The pieces, each usable alone:
- `TrialDataset` and its loaders — the documented per-subject input: JSON, or the CSV
  form (assessments CSV, optional lesions CSV, screened count; `trial_dataset_to_csv`)
- `dataset_at_cutoff` — what was known at the data cut-off
- `binomial_confidence_interval`, `BinomialProportion` — ORR and DCR (Clopper–Pearson, Wilson)
- `kaplan_meier`, `SurvivalEstimate` — median with log or log-log CI, landmarks, at risk
- `CensoringRules`, `derive_progression_free_survival`, `derive_overall_survival` — FDA 2018
- `count_subject_flow` — CONSORT-style counts; `derive_tumour_size_changes` — % change
  in the sum of diameters from the lesion reads (RECIST 1.1)
- `derive_interim_analysis` — the Simon two-stage interim decision at the cut-off, on the
  response reading of the protocol's primary endpoint (`response_reading`)
- `build_report` — the self-contained HTML report; `derive_adam` — ADSL, ADRS, ADTTE
- `trialdesk.analysis.figures` — waterfall, spider, swimmer, Kaplan–Meier (matplotlib is
  imported only when a figure is drawn)
- `report_command`, `adam_command` (in `trialdesk.analysis.commands`) — the CLI bodies
"""

from trialdesk.analysis.adam import AdamDataset, AdamDatasets, derive_adam
from trialdesk.analysis.censoring import (
    DAYS_PER_MONTH,
    CensoringRules,
    TimeToEvent,
    derive_overall_survival,
    derive_progression_free_survival,
    derive_time_on_treatment,
)
from trialdesk.analysis.consort import SubjectFlow, count_subject_flow
from trialdesk.analysis.dataset import (
    TimePointAssessment,
    TrialDataset,
    TrialSubject,
    dataset_at_cutoff,
    subject_at_cutoff,
    trial_dataset_from_data,
    trial_dataset_schema,
)
from trialdesk.analysis.dataset_io import (
    CSV_COLUMNS,
    LESION_CSV_COLUMNS,
    TrialDatasetCsv,
    load_trial_dataset,
    trial_dataset_from_csv,
    trial_dataset_to_csv,
)
from trialdesk.analysis.endpoints import EndpointAnalysis, SubjectEndpoints, derive_subject_endpoints
from trialdesk.analysis.interim import InterimAnalysis, ResponseReading, derive_interim_analysis, response_reading
from trialdesk.analysis.proportions import BinomialProportion, binomial_confidence_interval
from trialdesk.analysis.report import TrialReport, build_report, latest_recorded_date
from trialdesk.analysis.service import analyse_trial_file
from trialdesk.analysis.survival import SurvivalEstimate, SurvivalPoint, kaplan_meier
from trialdesk.analysis.tumour_size import TumourSizeChanges, TumourSizeCourse, derive_tumour_size_changes

__all__ = [
    "CSV_COLUMNS",
    "DAYS_PER_MONTH",
    "LESION_CSV_COLUMNS",
    "AdamDataset",
    "AdamDatasets",
    "BinomialProportion",
    "CensoringRules",
    "EndpointAnalysis",
    "InterimAnalysis",
    "ResponseReading",
    "SubjectEndpoints",
    "SubjectFlow",
    "SurvivalEstimate",
    "SurvivalPoint",
    "TimePointAssessment",
    "TimeToEvent",
    "TrialDataset",
    "TrialDatasetCsv",
    "TrialReport",
    "TrialSubject",
    "TumourSizeChanges",
    "TumourSizeCourse",
    "analyse_trial_file",
    "binomial_confidence_interval",
    "build_report",
    "count_subject_flow",
    "dataset_at_cutoff",
    "derive_adam",
    "derive_interim_analysis",
    "derive_overall_survival",
    "derive_progression_free_survival",
    "derive_subject_endpoints",
    "derive_time_on_treatment",
    "derive_tumour_size_changes",
    "kaplan_meier",
    "latest_recorded_date",
    "load_trial_dataset",
    "response_reading",
    "subject_at_cutoff",
    "trial_dataset_from_csv",
    "trial_dataset_from_data",
    "trial_dataset_schema",
    "trial_dataset_to_csv",
]
