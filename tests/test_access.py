"""The guide's test, offline: who may start and stop which instance on the dev stacks.

Each stack's real program runs under mocks, its sample users sign in through the generated rule or
Action, and IAM decides every start and stop; the preview command reports the same and fails when
a config edit breaks what the stack file expects.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from offline.access_report import START, STOP, AccessResult, LoginOutcome, simulate
from offline.mocks import run_program

ROOT = Path(__file__).resolve().parent.parent
P = "rbac-cost-center"
STACKS = ("dev", "dev-action")
MARKETING_INSTANCES = {"website", "community_site"}
ENGINEERING_INSTANCES = {"management_dashboard"}
NOT_COPIED = (".git", ".venv", "node_modules", ".hypothesis", "*_cache", "__pycache__")


def simulate_stack(stack: str, overrides: Mapping[str, str] | None = None) -> AccessResult:
    run = run_program(stack, overrides)
    assert run.error is None, run.error
    users = json.loads(run.config.values[f"{P}:sampleUsers"])
    return simulate(run, users)


@pytest.fixture(scope="module", params=STACKS)
def guide(request: pytest.FixtureRequest) -> AccessResult:
    return simulate_stack(request.param)


def instances_where(result: AccessResult, user: str, decision: str) -> dict[str, set[str]]:
    """Per start and stop action, the instances on which the user gets `decision`."""
    return {
        action: {
            entry.instance
            for entry in result.entries
            if (entry.user, entry.action, entry.decision) == (user, action, decision)
        }
        for action in (START, STOP)
    }


def login_of(result: AccessResult, user: str) -> LoginOutcome:
    [outcome] = [login for login in result.logins if login.user == user]
    return outcome


def test_marketing_user_may_start_and_stop_only_the_marketing_instances(
    guide: AccessResult,
) -> None:
    assert instances_where(guide, "marketing user", "allow") == {
        START: MARKETING_INSTANCES,
        STOP: MARKETING_INSTANCES,
    }
    assert instances_where(guide, "marketing user", "deny") == {
        START: ENGINEERING_INSTANCES,
        STOP: ENGINEERING_INSTANCES,
    }


def test_engineering_user_may_start_and_stop_only_the_dashboard(guide: AccessResult) -> None:
    assert instances_where(guide, "engineering user", "allow") == {
        START: ENGINEERING_INSTANCES,
        STOP: ENGINEERING_INSTANCES,
    }
    assert instances_where(guide, "engineering user", "deny") == {
        START: MARKETING_INSTANCES,
        STOP: MARKETING_INSTANCES,
    }


def test_user_without_a_cost_center_is_refused_naming_the_attribute(guide: AccessResult) -> None:
    login = login_of(guide, "user without a cost center")

    assert (login.outcome, login.attributes) == ("refused", {})
    assert "app_metadata.cost_center" in login.reason
    assert not [entry for entry in guide.entries if entry.user == login.user]


def test_user_of_another_application_is_untouched_and_gets_no_attributes(
    guide: AccessResult,
) -> None:
    login = login_of(guide, "user of another application")

    assert (login.outcome, login.reason, login.attributes) == ("untouched", None, {})
    assert not [entry for entry in guide.entries if entry.user == login.user]


def test_every_expectation_in_the_stack_file_is_met(guide: AccessResult) -> None:
    assert guide.unmet == []


def test_cost_center_differing_only_in_case_is_denied() -> None:
    metadata = {"project": "website"}
    users = [
        {"name": name, "email": "mia@example.com", "app_metadata": {**metadata, "cost_center": cc}}
        for name, cc in (("Lower", "marketing"), ("Capital", "Marketing"), ("Upper", "MARKETING"))
    ]
    overrides = {f"{P}:sampleUsers": json.dumps(users)}

    result = simulate_stack("dev", overrides)

    assert [login.outcome for login in result.logins] == ["issued"] * 3
    assert instances_where(result, "Lower", "allow")[START] == MARKETING_INSTANCES
    assert instances_where(result, "Capital", "allow") == {START: set(), STOP: set()}
    assert instances_where(result, "Upper", "allow") == {START: set(), STOP: set()}


# The preview command


def preview(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.preview", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def project_copy(destination: Path) -> Path:
    """The project without its virtualenv and history; Node's modules are linked, not copied."""
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*NOT_COPIED))
    modules = Path("offline", "node", "node_modules")
    (destination / modules).symlink_to(ROOT / modules, target_is_directory=True)
    return destination


@pytest.mark.parametrize("stack", STACKS)
def test_config_edit_that_breaks_an_expectation_fails_the_preview(
    tmp_path: Path, stack: str
) -> None:
    project = project_copy(tmp_path / "project")
    document = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())
    [website] = [i for i in document["config"][f"{P}:instances"] if i["name"] == "website"]
    website["tags"]["CostCenter"] = "engineering"
    (project / "Pulumi.edited.yaml").write_text(yaml.safe_dump(document))

    completed = preview(project, "--stack", "edited")

    assert completed.returncode == 1, completed.stderr
    unmet = completed.stdout.split("== Unmet access expectations", 1)[1].splitlines()
    for user, expected in (("marketing user", "allow"), ("engineering user", "deny")):
        for action in (START, STOP):
            wanted = (user, action, "website", f"expected {expected}")
            assert any(all(part in line for part in wanted) for line in unmet), (wanted, unmet)


def test_json_preview_lists_every_decision_with_its_expectation() -> None:
    completed = preview(ROOT, "--stack", "dev", "--json")

    assert completed.returncode == 0, completed.stderr
    access = json.loads(completed.stdout)["access"]
    assert access
    assert {frozenset(entry) for entry in access} == {
        frozenset({"user", "instance", "action", "decision", "expected"})
    }
    assert {entry["decision"] for entry in access} == {"allow", "deny"}
    assert {
        "user": "marketing user",
        "instance": "website",
        "action": START,
        "decision": "allow",
        "expected": "allow",
    } in access


def test_markdown_preview_prints_the_access_matrix_as_a_table() -> None:
    completed = preview(ROOT, "--stack", "dev", "--markdown")

    assert completed.returncode == 0, completed.stderr
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0]]
    table = {
        row[0].strip(): dict(zip(header, map(str.strip, row), strict=True)) for row in rows[2:]
    }
    assert table["marketing user"]["website"] == "start/stop"
    assert table["marketing user"]["management_dashboard"] == "no"
    assert table["user without a cost center"]["login"] == "refused"
    assert completed.stdout.lstrip().startswith("|")
