"""Small hand-built datasets with lesion reads, shared by the figure, report and ADaM tests."""

from __future__ import annotations

from typing import Any

from trialdesk.analysis import TrialDataset

START = "2026-01-05"


def subject_with_reads(
    sid: str, visits: list[tuple[str, str, int | None]], *, baseline_mm: int = 40, **fields: Any
) -> dict[str, Any]:
    """One target lesion (liver) read at baseline (2026-01-02) and at each (date, response,
    diameter) visit; None = not read. Treated from 2026-01-05."""
    reads: list[dict[str, Any]] = [{"date": "2026-01-02", "visit": "baseline", "lesions": [_target(baseline_mm)]}]
    reads += [
        {"date": when, "visit": f"week {i * 8}", "lesions": [_target(mm)]} for i, (when, _, mm) in enumerate(visits, 1)
    ]
    return {
        "subject_id": sid,
        "enrolment_date": START,
        "first_dose_date": START,
        "assessments": [{"date": when, "response": response} for when, response, _ in visits],
        "last_known_alive_date": "2026-12-01",
        "lesion_measurements": reads,
    } | fields


def _target(mm: int | None) -> dict[str, Any]:
    return {"id": "T1", "site": "liver", "kind": "target", "diameter_mm": mm}


def dataset(*subjects: dict[str, Any], screened: int | None = None) -> TrialDataset:
    return TrialDataset.model_validate({"trial_id": "T", "screened": screened, "subjects": list(subjects)})
