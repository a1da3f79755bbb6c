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
5. Lesion reads (`lesion_measurements`), from a generator seeded per subject so the
   fields above do not move: a baseline 3–21 days before the first dose with 1–3
   non-nodal target lesions (12–45 mm) and, for half, a non-target bone lesion; at each
   assessment, diameters that give its recorded response under RECIST 1.1 (PR 35–65 %
   of baseline, never growing; CR all gone; SD 75–110 % of the nadir; PD ≥ 30 % above the
   nadir or a new lesion; NE one target not read). Each draw is checked with
   `trialdesk.recist.time_point_responses` and drawn again until it gives the recorded
   responses.
6. `screened`: the enrolled plus a seeded number of screen failures (about 1 in 3).

It also writes each dataset's CSV form (`trialdesk.analysis.trial_dataset_to_csv`):
NCT….csv (the assessments) and NCT….lesions.csv (the lesion reads), whose `screened`
count is given beside them (`--screened`: 54 for NCT07077564, 44 for NCT07520357); and
trial_dataset.schema.json, the JSON Schema of the format
(`trialdesk.analysis.trial_dataset_schema()`).

Run: .venv/bin/python examples/analysis/generate.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from trialdesk.analysis import TrialDataset, trial_dataset_schema, trial_dataset_to_csv
from trialdesk.recist import SubjectRecord, time_point_responses

SNAPSHOT = dt.date(2026, 12, 31)
HERE = Path(__file__).parent


def _date(start: dt.date, days: float) -> dt.date:
    return start + dt.timedelta(days=round(days))


SITES = ("liver", "lung", "pancreas", "peritoneum", "adrenal")


def _reads(
    rng: random.Random, baseline: dt.date, responses: list[dict[str, str]]
) -> tuple[list[float], bool, list[tuple[list[float | None], bool, bool]]]:
    """One draw: baseline diameters, a non-target lesion or not, and per assessment the
    diameters (None = not read), the non-target lesion gone, and a new lesion."""
    sizes = [float(rng.randint(12, 45)) for _ in range(rng.randint(1, 3))]
    non_target = rng.random() < 0.5
    fraction, nadir = 1.0, 1.0
    visits: list[tuple[list[float | None], bool, bool]] = []
    for item in responses:
        response, new = item["response"], False
        if response == "PR":
            fraction = min(fraction, rng.uniform(0.35, 0.65))
        elif response == "CR":
            fraction = 0.0
        elif response == "SD":
            fraction = max(0.75, nadir * rng.uniform(0.95, 1.1))
        elif response == "PD":
            fraction = max(nadir * rng.uniform(1.3, 1.6), nadir + 0.3)
            new = rng.random() < 0.5
        diameters: list[float | None] = [round(d * fraction) for d in sizes]
        if response == "NE":
            diameters[rng.randrange(len(diameters))] = None
        else:
            nadir = min(nadir, fraction)
        visits.append((diameters, response == "CR", new))
    return sizes, non_target, visits


def _lesions(sites: list[str], diameters: list[float | None], non_target: bool, gone: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {"id": f"T{i + 1}", "site": site, "kind": "target", "diameter_mm": d}
        for i, (site, d) in enumerate(zip(sites, diameters, strict=True))
    ]
    if non_target:
        found.append({"id": "N1", "site": "bone", "kind": "non_target", "status": "absent" if gone else "present"})
    return found


def _lesion_measurements(seed: str, first_dose: dt.date, responses: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Lesion reads that RECIST 1.1 turns into exactly the recorded responses."""
    rng = random.Random(seed)
    baseline = _date(first_dose, -rng.randint(3, 21))
    for _ in range(200):
        sizes, non_target, visits = _reads(rng, baseline, responses)
        sites = rng.sample(SITES, len(sizes))

        reads = [
            {"date": baseline.isoformat(), "visit": "baseline", "lesions": _lesions(sites, [*sizes], non_target, False)}
        ]
        for number, (item, (diameters, gone, new)) in enumerate(zip(responses, visits, strict=True), start=1):
            read: dict[str, Any] = {
                "date": item["date"],
                "visit": f"assessment {number}",
                "lesions": _lesions(sites, diameters, non_target, gone),
            }
            if new:
                read["new_lesions"] = [{"site": "liver"}]
            reads.append(read)
        record = SubjectRecord.model_validate({"id": seed, "start_date": first_dose.isoformat(), "assessments": reads})
        if [str(p.overall) for p in time_point_responses(record)] == [r["response"] for r in responses]:
            return reads
    raise RuntimeError(f"no lesion reads reproduce the responses of {seed}")


def _subject(
    rng: random.Random, number: int, first_enrolment: dt.date, response_rate: float, rng_seed: int
) -> dict[str, Any]:
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
    reads = _lesion_measurements(f"{rng_seed}-{number:03d}", first_dose, assessments)
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
        "lesion_measurements": reads,
    }


def generate(trial_id: str, n: int, *, seed: int, first_enrolment: dt.date, response_rate: float) -> dict[str, Any]:
    """A synthetic dataset in the `trialdesk.analysis.TrialDataset` JSON form."""
    rng = random.Random(seed)
    subjects = [_subject(rng, i + 1, first_enrolment, response_rate, seed) for i in range(n)]
    subjects.sort(key=lambda s: (s["enrolment_date"], s["subject_id"]))
    failures = random.Random(f"{seed}-screening")
    screened = n + sum(failures.random() < 1 / 3 for _ in range(n * 3 // 2))
    return {"trial_id": trial_id, "screened": screened, "subjects": subjects}


def main() -> None:
    for trial_id, n, seed, start, rate in (
        ("NCT07077564", 35, 7077564, dt.date(2025, 3, 3), 0.3),
        ("NCT07520357", 29, 7520357, dt.date(2025, 6, 2), 0.2),
    ):
        data = generate(trial_id, n, seed=seed, first_enrolment=start, response_rate=rate)
        (HERE / f"{trial_id}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        csv_form = trial_dataset_to_csv(TrialDataset.model_validate(data))
        (HERE / f"{trial_id}.csv").write_text(csv_form.assessments, encoding="utf-8")
        (HERE / f"{trial_id}.lesions.csv").write_text(csv_form.lesions, encoding="utf-8")
    schema = json.dumps(trial_dataset_schema(), indent=2, ensure_ascii=False) + "\n"
    (HERE / "trial_dataset.schema.json").write_text(schema, encoding="utf-8")


if __name__ == "__main__":
    main()
