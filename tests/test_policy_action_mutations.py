"""The dev-action stack: clean as it is; an unbound or unscoped Action is caught as mandatory."""

from __future__ import annotations

import pytest

from offline.mocks import ResourceRecord, run_program
from tests.test_policy_mutations import mandatory, mutated, replace_text

ACTION = "rbac-login-action"
BINDING = "rbac-login-action-binding"
SCOPE_CHECK = r"event\.client\.client_id !== SETTINGS\.clientId \|\| "


@pytest.fixture(scope="module")
def action_records() -> list[ResourceRecord]:
    run = run_program("dev-action")
    assert run.error is None
    return run.records


def test_the_action_stack_has_no_violation_at_all(pack, action_records):
    names = {record.urn: record.name for record in action_records}
    violations = pack.analyze(action_records) + pack.analyze_stack(action_records)

    assert [(v.policy, names.get(v.urn, ""), v.level) for v in violations] == []


def test_an_action_without_its_binding_is_caught(pack, action_records):
    records = [record for record in action_records if record.name != BINDING]

    assert mandatory(pack, records) == {("auth0-tag-contract", ACTION)}


def test_an_action_that_is_not_deployed_is_caught(pack, action_records):
    def undeploy(props: dict) -> None:
        props["deploy"] = False

    records = mutated(action_records, ACTION, undeploy)

    assert mandatory(pack, records) == {("auth0-tag-contract", ACTION)}


def test_an_action_not_scoped_to_the_client_is_caught(pack, action_records):
    records = mutated(action_records, ACTION, replace_text("code", SCOPE_CHECK, ""))

    assert ("auth0-login-scoped-to-client", ACTION) in mandatory(pack, records)
