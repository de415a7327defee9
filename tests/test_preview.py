"""`make preview` end to end: the JSON document, the policy verdict and the exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offline import access_report, policy_report
from offline.mocks import run_program
from offline.preview import Report

ROOT = Path(__file__).resolve().parent.parent


def _preview(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "offline.preview", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def dev_json():
    completed = _preview("--stack", "dev", "--json")
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_json_preview_lists_resources_as_the_engine_sees_them(dev_json):
    assert dev_json["stack"] == "dev"
    types = [entry["type"] for entry in dev_json["resources"]]
    assert types.count("aws:ec2/instance:Instance") == 3
    role = next(e for e in dev_json["resources"] if e["type"] == "aws:iam/role:Role")
    assert set(role) == {"urn", "type", "name", "parent", "inputs"}
    assert "assumeRolePolicy" in role["inputs"] and "maxSessionDuration" in role["inputs"]
    assert role["parent"].endswith("::rbac-access")


def test_dev_stack_has_no_mandatory_violation(dev_json):
    levels = {(v["policy"], v["level"]) for v in dev_json["policies"]}
    assert levels == {("auth0-rules-end-of-life", "advisory")}


def test_an_insecure_trust_is_a_mandatory_violation_that_fails_the_preview():
    run = run_program("dev")
    role = next(r for r in run.records if r.type == "aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    trust["Statement"][0]["Action"] = ["sts:AssumeRoleWithSAML"]
    role.raw_inputs["assumeRolePolicy"] = json.dumps(trust)
    role.inputs["assumeRolePolicy"] = role.outputs["assumeRolePolicy"] = json.dumps(trust)
    report = Report({})

    policy_report.extend(run, report)

    assert report.failed
    flagged = {(v["policy"], v["level"], v["urn"]) for v in report.document["policies"]}
    assert ("saml-trust-policy", "mandatory", role.urn) in flagged


def test_invalid_config_exits_2_with_the_key_on_stderr_and_nothing_on_stdout():
    stack = ROOT / "Pulumi.dev.yaml"
    broken = stack.read_text().replace('accountId: "111122223333"', 'accountId: "1234"')
    name = "test-invalid-account"
    path = ROOT / f"Pulumi.{name}.yaml"
    path.write_text(broken)
    try:
        completed = _preview("--stack", name, "--json")
    finally:
        path.unlink()

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert 'rbac-cost-center:accountId: got "1234"' in completed.stderr
    assert "Nothing was registered." in completed.stderr


def test_an_unknown_stack_exits_2_naming_the_known_ones():
    completed = _preview("--stack", "missing")

    assert completed.returncode == 2
    assert (
        "no stack file Pulumi.missing.yaml; known stacks: dev, dev-action, prod" in completed.stderr
    )


def test_tags_fed_from_any_app_metadata_path_pass_the_pack():
    session_tags = [
        {"key": "CostCenter", "attribute": "app_metadata.org.billing_unit"},
        {"key": "Project", "attribute": "app_metadata.project_code"},
    ]
    run = run_program("dev", {"rbac-cost-center:sessionTags": json.dumps(session_tags)})
    report = Report({})

    policy_report.extend(run, report)

    mandatory = [v for v in report.document["policies"] if v["level"] == "mandatory"]
    assert mandatory == []
    assert not report.failed


@pytest.mark.parametrize("stack", ["dev", "dev-action", "prod"])
def test_every_committed_stack_previews_clean(stack):
    completed = _preview("--stack", stack, "--json")

    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert [v for v in document["policies"] if v["level"] == "mandatory"] == []
    unmet = [e for e in document["access"] if e["expected"] not in (None, e["decision"])]
    assert unmet == []
    assert any(e["decision"] == "allow" for e in document["access"]), "nobody can do anything"


def test_an_encrypted_auth0_secret_in_the_stack_file_is_accepted():
    stack = (ROOT / "Pulumi.dev.yaml").read_text()
    name = "test-encrypted-secret"
    path = ROOT / f"Pulumi.{name}.yaml"
    path.write_text(stack + "  auth0:clientSecret:\n    secure: v1:bm90LWEtcmVhbC1zZWNyZXQ=\n")
    try:
        completed = _preview("--stack", name, "--json")
    finally:
        path.unlink()

    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr


def test_markdown_names_unmet_expectations_under_the_table():
    result = access_report.AccessResult(
        logins=[access_report.LoginOutcome("mia", "issued", None, {})],
        entries=[
            access_report.AccessEntry("mia", "web", access_report.START, "deny", "allow", None),
            access_report.AccessEntry("mia", "web", access_report.STOP, "deny", "allow", None),
        ],
        unmet=["mia: ec2:StartInstances on web is deny, expected allow"],
    )

    text = access_report.markdown(result)

    assert "| mia | issued | no |" in text
    assert text.endswith(
        "**Unmet expectations:**\n- mia: ec2:StartInstances on web is deny, expected allow"
    )
