"""CONSORT-style subject flow at a data cut-off: screened, enrolled, treated, evaluable.

The boxes follow the CONSORT 2010 flow diagram (Schulz KF et al., BMJ 2010;340:c332)
for a single arm: assessed for eligibility, allocated (here: enrolled), received the
intervention (treated), analysed (evaluable for response), with treatment status.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from trialdesk.analysis.censoring import ADEQUATE
from trialdesk.analysis.dataset import TrialDataset, TrialSubject, dataset_at_cutoff


@dataclass(frozen=True, slots=True)
class SubjectFlow:
    """The counts of each box; `screened` is None when the dataset does not record it."""

    cutoff: dt.date
    screened: int | None
    enrolled: int
    treated: int
    evaluable: int
    not_evaluable: tuple[tuple[str, int], ...]
    on_treatment: int
    discontinued: tuple[tuple[str, int], ...]

    @property
    def screen_failures(self) -> int | None:
        return None if self.screened is None else self.screened - self.enrolled

    @property
    def not_treated(self) -> int:
        return self.enrolled - self.treated

    def rows(self) -> list[tuple[str, str]]:
        """(box, count) in flow order, for tables."""
        screened = "not recorded in the dataset" if self.screened is None else str(self.screened)
        rows = [("Screened", screened)]
        if self.screen_failures is not None:
            rows.append(("Not enrolled (screen failures)", str(self.screen_failures)))
        rows += [
            ("Enrolled (analysis population: ORR, DCR, PFS, OS denominator)", str(self.enrolled)),
            ("Enrolled, not treated", str(self.not_treated)),
            ("Treated (≥ 1 dose)", str(self.treated)),
            ("On treatment at the cut-off", str(self.on_treatment)),
        ]
        rows += [(f"Treatment ended: {reason}", str(k)) for reason, k in self.discontinued]
        rows.append(("Evaluable for response (treated, ≥ 1 adequate post-baseline assessment)", str(self.evaluable)))
        rows += [(f"Not evaluable: {reason}", str(k)) for reason, k in self.not_evaluable]
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "screened": self.screened,
            "screen_failures": self.screen_failures,
            "enrolled": self.enrolled,
            "treated": self.treated,
            "not_treated": self.not_treated,
            "on_treatment": self.on_treatment,
            "discontinued": dict(self.discontinued),
            "evaluable": self.evaluable,
            "not_evaluable": dict(self.not_evaluable),
        }


def evaluable_for_response(subject: TrialSubject) -> bool:
    """Treated, with at least one post-baseline assessment that is CR, PR, SD or PD (not NE):
    the "evaluable for response" box of the flow, and whom a Simon design counts."""
    return subject.first_dose_date is not None and any(a.response in ADEQUATE for a in subject.assessments)


def count_subject_flow(dataset: TrialDataset, cutoff: dt.date) -> SubjectFlow:
    """Count the flow boxes as known at `cutoff`.

    1. Screened: the dataset's `screened` (counted at its snapshot, not at the cut-off);
       None when absent.
    2. Enrolled: subjects enrolled on or before the cut-off (`dataset_at_cutoff`).
    3. Treated: enrolled subjects with a first dose on or before the cut-off.
    4. Treatment: ended when an end-of-treatment date is seen (by reason), else ongoing.
    5. Evaluable for response: treated, with at least one post-baseline assessment that
       is CR, PR, SD or PD (not NE); the others by reason.
    """
    seen = dataset_at_cutoff(dataset, cutoff)
    treated = [s for s in seen.subjects if s.first_dose_date is not None]
    ended = Counter(s.end_of_treatment_reason or "reason not recorded" for s in treated if s.end_of_treatment_date)
    not_evaluable: Counter[str] = Counter()
    evaluable = 0
    for subject in treated:
        if evaluable_for_response(subject):
            evaluable += 1
        elif subject.assessments:
            not_evaluable["only NE assessments"] += 1
        else:
            not_evaluable["no post-baseline assessment"] += 1
    return SubjectFlow(
        cutoff=cutoff,
        screened=dataset.screened,
        enrolled=len(seen.subjects),
        treated=len(treated),
        evaluable=evaluable,
        not_evaluable=tuple(sorted(not_evaluable.items())),
        on_treatment=sum(1 for s in treated if s.end_of_treatment_date is None),
        discontinued=tuple(sorted(ended.items())),
    )
