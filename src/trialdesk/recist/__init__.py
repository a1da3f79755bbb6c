"""RECIST 1.1 (Eisenhauer EA et al., Eur J Cancer 2009;45:228–247) as pure derivations.

    data = load_recist_file(Path("examples/recist/assessments.json"))
    results = assess_subjects(data, min_sd_days=42, confirm=True)
    Console().print(render_table(results))           # or: [r.to_dict() for r in results]

The derivations, each usable alone:
- `check_baseline_selection` — measurability and the 5-target / 2-per-organ limits (§3.1, §4.2)
- `assess_time_point`, `time_point_responses` — target, non-target, new lesions and the
  overall response by Tables 1 and 2 (§4.3, §4.4.1)
- `best_overall_response` — with and without confirmation (§4.4.3, §4.6.1, Table 3)
- `derive_endpoint_dates` — first response and progression dates for DOR and PFS
"""

from trialdesk.recist.baseline import check_baseline_selection
from trialdesk.recist.best_response import DEFAULT_CONFIRMATION_DAYS, best_overall_response
from trialdesk.recist.categories import NewLesions, Response
from trialdesk.recist.endpoints import derive_endpoint_dates
from trialdesk.recist.io import CSV_COLUMNS, load_recist_file, recist_from_csv, recist_from_data, recist_input_schema
from trialdesk.recist.record import AssessmentRecord, LesionRecord, NewLesionRecord, RecistInput, SubjectRecord
from trialdesk.recist.render import render_table, subject_renderable
from trialdesk.recist.result import (
    BaselineProblem,
    BaselineSelection,
    BestOverallResponse,
    EndpointDates,
    ResponseAt,
    SubjectResponse,
    TimePointResponse,
)
from trialdesk.recist.subject import assess_subject, assess_subjects
from trialdesk.recist.tables import TABLE_1, TABLE_2, overall_response_row
from trialdesk.recist.time_point import assess_time_point, time_point_responses

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_CONFIRMATION_DAYS",
    "TABLE_1",
    "TABLE_2",
    "AssessmentRecord",
    "BaselineProblem",
    "BaselineSelection",
    "BestOverallResponse",
    "EndpointDates",
    "LesionRecord",
    "NewLesionRecord",
    "NewLesions",
    "RecistInput",
    "Response",
    "ResponseAt",
    "SubjectRecord",
    "SubjectResponse",
    "TimePointResponse",
    "assess_subject",
    "assess_subjects",
    "assess_time_point",
    "best_overall_response",
    "check_baseline_selection",
    "derive_endpoint_dates",
    "load_recist_file",
    "overall_response_row",
    "recist_from_csv",
    "recist_from_data",
    "recist_input_schema",
    "render_table",
    "subject_renderable",
    "time_point_responses",
]
