"""Policy analysis over the analyzer protocol at 1,000 instances, the pack's start excluded."""

from __future__ import annotations

import time

from bench.access_bench import matrix_overrides
from offline.analyzer import PolicyPackProcess, policy_config_request
from offline.mocks import run_program
from offline.policy_report import pack_config, stack_settings

TARGET_SECONDS_PER_RESOURCE = 0.001


def run_benchmarks() -> list[tuple[str, float, float]]:
    """(label, measured, target): seconds per resource for one whole analysis."""
    run = run_program("dev", matrix_overrides(0, 1000, 50))
    config = pack_config(stack_settings(run))
    with PolicyPackProcess() as pack:
        start = time.perf_counter()
        pack.configure(policy_config_request(pack.info(), config))
        pack.configure_stack(run.records)
        violations = pack.analyze(run.records) + pack.analyze_stack(run.records)
        elapsed = time.perf_counter() - start
    mandatory = [v for v in violations if v.level == "mandatory"]
    if mandatory:
        raise SystemExit(f"benchmark stack has mandatory violations: {mandatory[:3]}")
    label = f"policy analysis over gRPC, per resource of {len(run.records)}"
    return [(label, elapsed / len(run.records), TARGET_SECONDS_PER_RESOURCE)]
