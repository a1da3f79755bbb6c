"""Speed of the analysis layer, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/analysis.py [--runs 5] [--subjects 100000] [--n-max 100]

1. The exact Simon two-stage search for n ≤ n_max (optimal and minimax, alpha 0.05,
   power 0.80): median of several runs per (p0, p1) pair. Target: under 1 s each.
2. Kaplan–Meier on synthetic subjects (exponential times, ~30 % censored): trialdesk's
   `kaplan_meier` (lifelines fit, Greenwood bands, median CI, landmarks, at-risk
   counts) next to a direct lifelines `KaplanMeierFitter().fit` on the same data, with
   the medians of both and the ratio of the times.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from lifelines import KaplanMeierFitter

from trialdesk.analysis import kaplan_meier
from trialdesk.design import simon_two_stage

PAIRS = [(0.05, 0.25), (0.10, 0.30), (0.20, 0.40), (0.30, 0.50)]
TARGET_SECONDS = 1.0


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def simon(runs: int, n_max: int) -> None:
    simon_two_stage(0.10, 0.30, n_max=n_max)  # import and first-call costs out of the timings
    print(f"Simon two-stage search, n ≤ {n_max}, alpha 0.05, power 0.80, median of {runs} runs")
    worst = 0.0
    for p0, p1 in PAIRS:
        seconds = median_seconds(lambda p0=p0, p1=p1: simon_two_stage(p0, p1, n_max=n_max), runs)
        designs = simon_two_stage(p0, p1, n_max=n_max)
        worst = max(worst, seconds)
        o, m = designs.optimal, designs.minimax
        print(
            f"  p0 {p0:.2f} p1 {p1:.2f}: {seconds * 1000:7.1f} ms  "
            f"optimal {o.r1}/{o.n1}, {o.r}/{o.n}; minimax {m.r1}/{m.n1}, {m.r}/{m.n}"
        )
    verdict = "meets" if worst < TARGET_SECONDS else "MISSES"
    print(f"  slowest {worst * 1000:.0f} ms: {verdict} the {TARGET_SECONDS:.0f} s target")


def kaplan_meier_timing(runs: int, subjects: int) -> None:
    rng = np.random.default_rng(20261231)
    event_times = rng.exponential(12.0, subjects)
    censor_times = rng.exponential(28.0, subjects)
    durations = np.round(np.minimum(event_times, censor_times), 2)  # months, to 0.01: ties, as real data have
    events = event_times <= censor_times
    duration_list, event_list = durations.tolist(), events.tolist()

    def direct() -> float:
        return float(KaplanMeierFitter().fit(durations, events).median_survival_time_)

    def trialdesk() -> float | None:
        return kaplan_meier(
            duration_list, event_list, name="PFS", ci_type="log", landmarks=(6, 12), at_risk_times=(0, 6, 12, 24)
        ).median

    direct(), trialdesk()  # warm-up
    baseline = median_seconds(direct, runs)
    ours = median_seconds(trialdesk, runs)
    print(f"Kaplan–Meier, {subjects:,} subjects ({int(events.sum()):,} events), median of {runs} runs")
    print(f"  lifelines KaplanMeierFitter.fit: {baseline * 1000:8.1f} ms  median {direct():.2f} months")
    print(f"  trialdesk kaplan_meier:          {ours * 1000:8.1f} ms  median {trialdesk():.2f} months")
    print(f"  ratio trialdesk / lifelines: {ours / baseline:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--n-max", type=int, default=100)
    args = parser.parse_args()
    simon(args.runs, args.n_max)
    kaplan_meier_timing(args.runs, args.subjects)


if __name__ == "__main__":
    main()
