"""Grade laboratory values by CTCAE v5.0 (NCI, 27 November 2017).

knowledge = load_knowledge()
criteria = load_ctcae_criteria(knowledge)
results = grade_labs(load_lab_file(Path("labs.csv")), knowledge, criteria)
print(render_table(results))            # people
[r.to_dict() for r in results]          # machines
worst_grades(results, start, end)       # a subject's worst grade per term over a period
"""

from trialdesk.ctcae.calcium import corrected_calcium_payne
from trialdesk.ctcae.criteria import DEFAULT_CRITERIA, CtcaeCriteria, Term, load_ctcae_criteria
from trialdesk.ctcae.grade import grade_labs, grade_observation, grade_term
from trialdesk.ctcae.io import labs_from_data, load_lab_file, load_labs_csv, load_labs_json
from trialdesk.ctcae.observation import LabFile, LabObservation, lab_file_json_schema
from trialdesk.ctcae.render import render_table, render_worst_table
from trialdesk.ctcae.result import GradeResult, Reading, WorstGrade
from trialdesk.ctcae.worst import worst_grades

__all__ = [
    "DEFAULT_CRITERIA",
    "CtcaeCriteria",
    "GradeResult",
    "LabFile",
    "LabObservation",
    "Reading",
    "Term",
    "WorstGrade",
    "corrected_calcium_payne",
    "grade_labs",
    "grade_observation",
    "grade_term",
    "lab_file_json_schema",
    "labs_from_data",
    "load_ctcae_criteria",
    "load_lab_file",
    "load_labs_csv",
    "load_labs_json",
    "render_table",
    "render_worst_table",
    "worst_grades",
]
