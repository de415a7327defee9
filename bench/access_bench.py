"""Times the access matrix and a single login against fixed targets, in seconds.

The matrix is 20 sample users by 1,000 instances over 50 cost centers, each instance with its own
Project tag; the program run that registers them is left out of the timing. The login is the dev
stack's generated rule, timed inside Node by the sandbox, so the process start does not count.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

from offline.access_report import simulate
from offline.mocks import ProgramRun, ResourceRecord, run_program
from offline.node_tools import Login, run_auth0

P = "rbac-cost-center"
Measurement = tuple[str, float, float]
MATRIX_USERS, MATRIX_INSTANCES, COST_CENTERS = 20, 1000, 50
MATRIX_TARGET_S, MATRIX_REPEATS = 2.0, 3
LOGINS, LOGIN_TARGET_S = 500, 0.001


def matrix_overrides(users: int, instances: int, cost_centers: int) -> dict[str, str]:
    """Instances cycling through the cost centers with a Project each, and users likewise."""
    entries = [
        {
            "name": f"vm{i:04d}",
            "tags": {"CostCenter": f"cc{i % cost_centers:02d}", "Project": f"p{i}"},
        }
        for i in range(instances)
    ]
    return {
        f"{P}:instances": json.dumps(entries),
        f"{P}:sampleUsers": json.dumps(sample_users(users, cost_centers)),
    }


def sample_users(count: int, cost_centers: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"user{index:02d}",
            "email": f"user{index:02d}@example.com",
            "app_metadata": {"cost_center": f"cc{index % cost_centers:02d}", "project": "p0"},
        }
        for index in range(count)
    ]


def checked_run(overrides: Mapping[str, str] | None = None) -> ProgramRun:
    run = run_program("dev", overrides)
    if run.error is not None:
        raise SystemExit(f"benchmark stack is invalid: {run.error}")
    return run


def matrix_benchmark() -> Measurement:
    run = checked_run(matrix_overrides(MATRIX_USERS, MATRIX_INSTANCES, COST_CENTERS))
    users = json.loads(run.config.values[f"{P}:sampleUsers"])

    samples = []
    for _ in range(MATRIX_REPEATS):
        started = time.perf_counter()
        result = simulate(run, users)
        samples.append(time.perf_counter() - started)
    expected = MATRIX_USERS * MATRIX_INSTANCES * 3
    if len(result.entries) != expected:
        raise SystemExit(f"the matrix has {len(result.entries)} cells, expected {expected}")
    label = f"access matrix, {MATRIX_USERS} users x {MATRIX_INSTANCES:,} instances"
    return label, statistics.median(samples), MATRIX_TARGET_S


def login_benchmark() -> Measurement:
    run = checked_run()
    script = _one(run, "auth0:index/rule:Rule").inputs["script"]
    client = _one(run, "auth0:index/client:Client")
    users = json.loads(run.config.values[f"{P}:sampleUsers"])
    logins = [_login(users[index % len(users)], client) for index in range(LOGINS)]

    results = run_auth0("rule", script, logins)
    if any(result.outcome == "error" for result in results):
        raise SystemExit("a benchmark login failed in the sandbox")
    median_ms = statistics.median(result.duration_ms for result in results)
    return f"one login in the rule, median of {LOGINS}", median_ms / 1000, LOGIN_TARGET_S


def _one(run: ProgramRun, type_: str) -> ResourceRecord:
    [record] = [record for record in run.records if record.type == type_]
    return record


def _login(user: Mapping[str, Any], client: ResourceRecord) -> Login:
    # A sample user of another application logs in to a client the rule does not serve.
    own = user.get("application", "aws") == "aws"
    return {
        "user": {
            "user_id": f"auth0|{user['name']}",
            **{key: user[key] for key in ("name", "email", "app_metadata") if key in user},
        },
        "clientId": client.outputs["clientId"] if own else "otherApplicationClient",
        "clientName": client.inputs["name"] if own else str(user["application"]),
        "protocol": "samlp",
        "addonMappings": {},
    }


def run_benchmarks() -> list[Measurement]:
    """(label, measured seconds, target seconds) for the access matrix and for one login."""
    return [matrix_benchmark(), login_benchmark()]
