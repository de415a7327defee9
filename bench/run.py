"""Times the offline program run against a floor measured in the same process, and prints ratios.

Targets: at most 1.2x the floor at 3 instances and 1.3x at 1,000 instances over 50 cost centers;
then the access matrix and one login against fixed times (bench/access_bench.py).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.access_bench import matrix_overrides, run_benchmarks
from bench.policy_bench import run_benchmarks as policy_benchmarks
from offline.mocks import run_program

ROOT = Path(__file__).resolve().parent.parent
P = "rbac-cost-center"


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def program_ratio(count: int, cost_centers: int, repeats: int) -> tuple[float, float]:
    overrides = matrix_overrides(0, count, cost_centers)
    program = median_seconds(lambda: _checked(run_program("dev", overrides)), repeats)
    floor = median_seconds(
        lambda: _checked(run_program("dev", overrides, main=ROOT / "bench" / "floor_program.py")),
        repeats,
    )
    return program, floor


def _checked(run: object) -> object:
    error = getattr(run, "error", None)
    if error is not None:
        raise SystemExit(f"benchmark stack is invalid: {error}")
    return run


def report(label: str, measured: float, floor: float, target: float) -> None:
    ratio = measured / floor
    verdict = "ok" if ratio <= target else "over target"
    print(
        f"{label:<44} {measured * 1000:9.1f} ms  floor {floor * 1000:9.1f} ms  "
        f"ratio {ratio:5.2f}x  (target <= {target}x, {verdict})"
    )


def report_against_target(label: str, measured: float, target: float) -> None:
    ratio = measured / target
    verdict = "ok" if ratio <= 1 else "over target"
    print(
        f"{label:<44} {measured * 1000:9.3f} ms  target {target * 1000:7.3f} ms  "
        f"ratio {ratio:5.2f}x  (target <= 1x, {verdict})"
    )


def main() -> None:
    _checked(run_program("dev"))  # warm-up: imports and first-run caches count for neither side
    program, floor = program_ratio(3, 3, repeats=15)
    report("program run, 3 instances", program, floor, 1.2)
    program, floor = program_ratio(1000, 50, repeats=3)
    report("program run, 1,000 instances / 50 cost centers", program, floor, 1.3)
    for label, measured, target in run_benchmarks() + policy_benchmarks():
        report_against_target(label, measured, target)


if __name__ == "__main__":
    main()
