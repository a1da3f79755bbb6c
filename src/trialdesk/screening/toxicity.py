"""Grading a laboratory adverse event of prior therapy by CTCAE v5.0 for screening.

NCT07520357 excludes "Unresolved adverse reactions from prior anti-tumour therapy (> CTCAE
Grade 1)". A record may give such an event as the lab value that shows it (an ALT of
150 U/L with its reference range) rather than a grade: this grader turns it into the
CTCAE v5.0 grade of the matching term, with the band that decided it.
"""

from __future__ import annotations

from trialdesk.ctcae import CtcaeCriteria, LabObservation, grade_observation, load_ctcae_criteria
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.record import Observation
from trialdesk.patient.view import LabGrader


def ctcae_lab_grader(knowledge: Knowledge) -> LabGrader:
    """A grader for `build_view`: the CTCAE criteria are read on first use only.

    1. The lab value, with its own reference range, is graded by every CTCAE v5.0 term
       that reads the lab (trialdesk.ctcae.grade_observation).
    2. The term named by the adverse event decides (case ignored); an event named
       otherwise takes the highest grade among the lab's terms.
    3. A grade that needs clinical facts (lab-only) counts at its laboratory grade: the
       lowest the value establishes.
    """
    loaded: list[CtcaeCriteria] = []

    def grade(observation: Observation, term: str) -> tuple[int, str] | None:
        if not loaded:
            loaded.append(load_ctcae_criteria(knowledge))
        if observation.value is None or observation.unit is None:
            return None
        rr = observation.reference_range
        lab = LabObservation(
            subject_id="record",
            lab=observation.code,
            value=observation.value,
            unit=observation.unit,
            date=observation.date,
            reference_low=rr.low if rr else None,
            reference_high=rr.high if rr else None,
            reference_unit=rr.unit if rr else None,
        )
        results = grade_observation(lab, knowledge, loaded[0])
        named = [r for r in results if r.term.casefold() == term.casefold()]
        chosen = named or [r for r in results if r.grade > 0]
        if not chosen:
            return None
        best = max(chosen, key=lambda r: r.grade)
        return best.grade, f"CTCAE v5.0 {best.term} ({best.meddra_code}): {best.explanation}"

    return grade
