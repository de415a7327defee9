"""Times the offline program run against a floor measured in the same process, and prints ratios.

Targets: at most 1.2x the floor at 3 instances and 1.3x at 1,000 instances over 50 cost centers;
then the access matrix and one login against fixed times (bench/access_bench.py).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.access_bench import matrix_overrides, run_benchmarks
from bench.policy_bench import run_benchmarks as policy_benchmarks
from offline.mocks import run_program

ROOT = Path(__file__).resolve().parent.parent
P = "rbac-cost-center"


def seconds(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def program_ratio(count: int, cost_centers: int, repeats: int) -> tuple[float, float]:
    """Medians of the program and the floor, run alternately so drift affects both alike."""
    overrides = matrix_overrides(0, count, cost_centers)
    floor_main = ROOT / "bench" / "floor_program.py"
    program_samples, floor_samples = [], []
    for _ in range(repeats):
        program_samples.append(seconds(lambda: _checked(run_program("dev", overrides))))
        floor_samples.append(
            seconds(lambda: _checked(run_program("dev", overrides, main=floor_main)))
        )
    return statistics.median(program_samples), statistics.median(floor_samples)


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
    program, floor = program_ratio(3, 3, repeats=31)
    report("program run, 3 instances", program, floor, 1.2)
    program, floor = program_ratio(1000, 50, repeats=3)
    report("program run, 1,000 instances / 50 cost centers", program, floor, 1.3)
    for benchmarks in (run_benchmarks, policy_benchmarks):
        # Earlier measurements leave a large heap that a fresh preview process would not have;
        # freezing it keeps its collection out of the next measurement.
        gc.collect()
        gc.freeze()
        for label, measured, target in benchmarks():
            report_against_target(label, measured, target)


if __name__ == "__main__":
    main()
