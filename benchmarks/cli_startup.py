"""`trialdesk screen` as a whole process: one patient, one trial, table output.

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]

Prints the median and slowest wall time of the command next to a baseline measured in the
same run: starting the same Python interpreter and doing nothing. Target: under 0.7 s
(lazy imports in the CLI, the analysed grammar cached on disk by Lark).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRIALDESK = Path(sys.executable).with_name("trialdesk")
COMMAND = [
    str(TRIALDESK),
    "screen",
    str(ROOT / "examples" / "patients" / "p01-eligible-both.json"),
    "--trial",
    "NCT07077564",
    "--as-of",
    "2026-11-20",
]
BASELINE = [sys.executable, "-c", "pass"]


def timed(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache and Lark's grammar cache
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    baseline = timed(BASELINE, args.runs)
    screen = timed(COMMAND, args.runs)
    print(f"baseline  python -c pass        median {statistics.median(baseline):.3f} s   max {max(baseline):.3f} s")
    print(
        f"trialdesk screen (one patient)  median {statistics.median(screen):.3f} s   max {max(screen):.3f} s"
        "   (target < 0.7 s)"
    )
    print(f"ratio: {statistics.median(screen) / statistics.median(baseline):.1f}× the bare interpreter")


if __name__ == "__main__":
    main()
