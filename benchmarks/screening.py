"""Screening speed: 10,000 synthetic patients against both shipped protocols, in-process.

    .venv/bin/python benchmarks/screening.py [--patients 10000] [--seed 7]

Prints, per patient-protocol screening, the median and p99 time and the throughput, next
to a baseline measured in the same run: loading the record alone (JSON text -> validated
patient record). Targets: median < 1 ms, p99 < 5 ms once the protocols are loaded.
Synthetic records are perturbations of the shipped examples (ages, lab values and units,
prior therapies, history items, missing sections), drawn from a seeded generator.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trialdesk.knowledge.base import load_knowledge
from trialdesk.patient.load import patient_from_data
from trialdesk.patient.view import build_view
from trialdesk.protocol.load import load_protocols
from trialdesk.screening.screen import Screener

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 20)
AGENTS = [
    ["cisplatin", "etoposide"],
    ["carboplatin", "etoposide"],
    ["irinotecan", "fluorouracil", "leucovorin"],
    ["capecitabine", "temozolomide"],
    ["everolimus"],
    ["trastuzumab deruxtecan"],
    ["atezolizumab"],
    ["zolbetuximab"],
]
CONDITIONS = [
    "ild",
    "myocardial_infarction",
    "venous_thromboembolism",
    "hepatitis_b",
    "autoimmune_disease",
    "heart_failure",
    "bleeding",
    "dry_eye_syndrome",
    "other_malignancy",
    "gilbert_syndrome",
]


def synthetic_record(rng: random.Random, templates: list[dict[str, Any]], index: int) -> dict[str, Any]:
    data = copy.deepcopy(rng.choice(templates))
    data["id"] = f"SYN-{index:05d}"
    birth = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
    data["birth_date"] = birth.isoformat()
    for obs in data.get("observations", []):
        if obs.get("value") is not None and obs["code"] not in ("ecog", "body_height", "lvef"):
            obs["value"] = round(obs["value"] * rng.uniform(0.6, 1.6), 2)
        elif obs["code"] == "lvef":
            obs["value"] = rng.choice([45, 52, 58, 64])
        obs["date"] = (AS_OF - timedelta(days=rng.randrange(0, 20))).isoformat()
    if rng.random() < 0.3:
        line = {
            "agents": rng.choice(AGENTS),
            "first_dose": "2026-03-01",
            "last_dose": (AS_OF - timedelta(days=rng.randrange(5, 90))).isoformat(),
            "progressed": True,
        }
        data.setdefault("therapies", {"items": []})["items"].append(line)
    if rng.random() < 0.4:
        onset = (AS_OF - timedelta(days=rng.randrange(10, 900))).isoformat()
        data.setdefault("history", {"items": []})["items"].append(
            {"category": rng.choice(CONDITIONS), "onset": onset, "status": "active"}
        )
    if rng.random() < 0.1:
        data["history"] = {"complete": False, "items": data.get("history", {}).get("items", [])}
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    knowledge = load_knowledge()
    screeners = [Screener(p, knowledge) for p in load_protocols(knowledge).values()]
    templates = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples" / "patients").glob("*.json"))
    ]
    rng = random.Random(args.seed)
    texts = [json.dumps(synthetic_record(rng, templates, i)) for i in range(args.patients)]

    load_times: list[float] = []
    view_times: list[float] = []
    screen_times: list[float] = []
    statuses: dict[str, int] = {}
    clock = time.perf_counter
    started = clock()
    for text in texts:
        t0 = clock()
        patient = patient_from_data(json.loads(text))
        t1 = clock()
        load_times.append(t1 - t0)
        view = build_view(patient, knowledge, AS_OF)
        view_times.append(clock() - t1)
        for screener in screeners:
            t2 = clock()
            result = screener.screen(view, AS_OF)
            screen_times.append(clock() - t2)
            statuses[result.status] = statuses.get(result.status, 0) + 1
    wall = clock() - started

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if q < 100 else max(values) * 1000

    median_screen = statistics.median(screen_times) * 1000
    median_load = statistics.median(load_times) * 1000
    print(f"patients: {args.patients}, protocols: {len(screeners)}, screenings: {len(screen_times)}")
    print(f"statuses: {statuses}")
    print(f"baseline  load one record   median {median_load:.3f} ms   p99 {ms(load_times, 99):.3f} ms")
    print(
        f"per patient, once for all trials: check and index the record   median "
        f"{statistics.median(view_times) * 1000:.3f} ms   p99 {ms(view_times, 99):.3f} ms"
    )
    print(
        f"screening one patient×trial median {median_screen:.3f} ms   p99 {ms(screen_times, 99):.3f} ms"
        f"   (targets: median < 1 ms, p99 < 5 ms)"
    )
    print(
        f"ratio screening / load: median {median_screen / median_load:.2f}×, p99 {ms(screen_times, 99) / ms(load_times, 99):.2f}×"
    )
    print(
        f"throughput: {len(screen_times) / sum(screen_times):,.0f} screenings/s (screening time only), "
        f"{len(screen_times) / wall:,.0f} screenings/s wall including loading and checking records"
    )


if __name__ == "__main__":
    main()
