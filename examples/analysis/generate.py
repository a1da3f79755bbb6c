"""Write the synthetic trial datasets examples/analysis/NCT07077564.json and NCT07520357.json.

Synthetic subjects only — never real patients: every date and response below comes from a
seeded random generator, so running this again writes the same files byte for byte.

The model, per subject (a plausible single-arm phase 2 in solid tumours):
1. Enrolment uniformly over 14 months; first dose 1–7 days later.
2. Tumour assessments every 8 weeks (± 7 days) from the first dose, until PD, death or
   the database snapshot (2026-12-31); about 1 in 12 assessments is NE and 1 in 25 is
   missed.
3. A latent course: responders (trial-specific rate) go SD → PR (→ CR for a few) and
   progress later; non-responders are SD or PD; progression times are exponential.
4. Death exponential after progression (rarely before it); treatment ends at PD, death
   or toxicity; about half of those who stop start another anti-cancer therapy.

It also writes trial_dataset.schema.json, the JSON Schema of the format
(`trialdesk.analysis.trial_dataset_schema()`).

Run: .venv/bin/python examples/analysis/generate.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from trialdesk.analysis import trial_dataset_schema

SNAPSHOT = dt.date(2026, 12, 31)
HERE = Path(__file__).parent


def _date(start: dt.date, days: float) -> dt.date:
    return start + dt.timedelta(days=round(days))


def _subject(rng: random.Random, number: int, first_enrolment: dt.date, response_rate: float) -> dict[str, Any]:
    enrolment = _date(first_enrolment, rng.uniform(0, 425))
    first_dose = _date(enrolment, rng.randint(1, 7))
    responder = rng.random() < response_rate
    progression_day = rng.expovariate(1 / (300 if responder else 120)) + (90 if responder else 20)
    death_day = progression_day + rng.expovariate(1 / 270) if rng.random() < 0.9 else rng.expovariate(1 / 900)
    response_day = rng.uniform(50, 120) if responder else None
    complete = responder and rng.random() < 0.15
    stop_for_toxicity = rng.random() < 0.1
    toxicity_day = rng.uniform(30, 250) if stop_for_toxicity else None

    assessments: list[dict[str, str]] = []
    visit = 1
    progressed = False
    while True:
        day = 56 * visit + rng.randint(-7, 7)
        when = _date(first_dose, day)
        if when > SNAPSHOT or day >= death_day or progressed:
            break
        visit += 1
        if rng.random() < 0.04:
            continue  # a missed assessment
        if day >= progression_day:
            response, progressed = "PD", True
        elif rng.random() < 0.08:
            response = "NE"
        elif response_day is not None and day >= response_day:
            response = "CR" if complete and day >= response_day + 110 else "PR"
        else:
            response = "SD"
        assessments.append({"date": when.isoformat(), "response": response})

    death = _date(first_dose, death_day)
    death_date = death if death <= SNAPSHOT else None
    end_day = min(progression_day, death_day, toxicity_day if toxicity_day is not None else float("inf"))
    end = _date(first_dose, end_day)
    ended = end <= SNAPSHOT
    reason = "toxicity" if end_day == toxicity_day else "progression" if end_day == progression_day else "death"
    therapy = _date(end, rng.randint(14, 45)) if ended and reason != "death" and rng.random() < 0.5 else None
    if therapy is not None and (therapy > SNAPSHOT or (death_date and therapy >= death_date)):
        therapy = None
    alive = death_date or _date(SNAPSHOT, -rng.randint(0, 30))
    return {
        "subject_id": f"{number:03d}",
        "enrolment_date": enrolment.isoformat(),
        "first_dose_date": first_dose.isoformat(),
        "last_dose_date": max(first_dose, _date(end, -rng.randint(0, 6))).isoformat() if ended else None,
        "assessments": assessments,
        "death_date": death_date.isoformat() if death_date else None,
        "last_known_alive_date": max(alive, first_dose).isoformat(),
        "end_of_treatment_date": end.isoformat() if ended else None,
        "end_of_treatment_reason": reason if ended else None,
        "subsequent_therapy_date": therapy.isoformat() if therapy else None,
    }


def generate(trial_id: str, n: int, *, seed: int, first_enrolment: dt.date, response_rate: float) -> dict[str, Any]:
    """A synthetic dataset in the `trialdesk.analysis.TrialDataset` JSON form."""
    rng = random.Random(seed)
    subjects = [_subject(rng, i + 1, first_enrolment, response_rate) for i in range(n)]
    subjects.sort(key=lambda s: (s["enrolment_date"], s["subject_id"]))
    return {"trial_id": trial_id, "subjects": subjects}


def main() -> None:
    for trial_id, n, seed, start, rate in (
        ("NCT07077564", 35, 7077564, dt.date(2025, 3, 3), 0.3),
        ("NCT07520357", 29, 7520357, dt.date(2025, 6, 2), 0.2),
    ):
        data = generate(trial_id, n, seed=seed, first_enrolment=start, response_rate=rate)
        (HERE / f"{trial_id}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    schema = json.dumps(trial_dataset_schema(), indent=2, ensure_ascii=False) + "\n"
    (HERE / "trial_dataset.schema.json").write_text(schema, encoding="utf-8")


if __name__ == "__main__":
    main()
