"""Speed of the exact Simon two-stage search for n ≤ 100, against a baseline in the same run.

    .venv/bin/python benchmarks/design.py [--runs 7] [--n-max 100]

For each (p0, p1) it prints the median of several runs of `simon_two_stage` (optimal and
minimax, alpha 0.05, power 0.80) next to a baseline measured in the same run: one binomial
pmf table of the same size (scipy.stats.binom.pmf over every n ≤ n_max and every count),
and the ratio of the two. Target: under 1 s per search for n ≤ 100.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from scipy.stats import binom

from trialdesk.design import simon_two_stage

PAIRS = [(0.05, 0.25), (0.10, 0.30), (0.20, 0.40), (0.30, 0.50), (0.60, 0.80)]
TARGET_SECONDS = 1.0


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pmf_table(p: float, n_max: int) -> object:
    return binom.pmf(np.arange(n_max + 1)[None, :], np.arange(n_max + 1)[:, None], p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--n-max", type=int, default=100)
    args = parser.parse_args()
    simon_two_stage(0.10, 0.30, n_max=args.n_max)  # import and first-call costs out of the timings
    print(f"Simon two-stage search, n ≤ {args.n_max}, alpha 0.05, power 0.80, median of {args.runs} runs")
    print(f"{'p0':>5} {'p1':>5} {'search':>10} {'pmf table':>10} {'ratio':>8}  designs")
    worst = 0.0
    for p0, p1 in PAIRS:
        search = median_seconds(partial(simon_two_stage, p0, p1, n_max=args.n_max), args.runs)
        baseline = median_seconds(partial(pmf_table, p0, args.n_max), args.runs)
        designs = simon_two_stage(p0, p1, n_max=args.n_max)
        o, m = designs.optimal, designs.minimax
        worst = max(worst, search)
        print(
            f"{p0:>5.2f} {p1:>5.2f} {search * 1000:>8.1f}ms {baseline * 1000:>8.2f}ms {search / baseline:>7.0f}x  "
            f"optimal {o.r1}/{o.n1}, {o.r}/{o.n}; minimax {m.r1}/{m.n1}, {m.r}/{m.n}"
        )
    verdict = "meets" if worst < TARGET_SECONDS else "MISSES"
    print(f"slowest search {worst * 1000:.0f} ms: {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
