"""abac-start-stop-conditions: start and stop only where instance and principal tags agree."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from policies.rbac_guard.local import Resource, resource_violations

POLICY = "aws:iam/policy:Policy"
PIN = {"StringEquals": {"ec2:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}}
DESCRIBE = {
    "Sid": "DescribeInstances",
    "Effect": "Allow",
    "Action": "ec2:DescribeInstances",
    "Resource": "*",
}
START_STOP = {
    "Sid": "StartStopOwnCostCenter",
    "Effect": "Allow",
    "Action": ["ec2:StartInstances", "ec2:StopInstances"],
    "Resource": "arn:aws:ec2:us-east-1:111122223333:instance/*",
    "Condition": PIN,
}
WHERE = '"policy" statement "StartStopOwnCostCenter"'
BOTH = "ec2:StartInstances and ec2:StopInstances"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def violations(*statements: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    policy = Resource(POLICY, "rbac-access-policy", {"policy": document(*statements)})
    return resource_violations("abac-start-stop-conditions", policy, config)


def start_stop(**changes: Any) -> dict[str, Any]:
    statement = copy.deepcopy(START_STOP)
    statement.update(changes)
    return {key: value for key, value in statement.items() if value is not None}


def unpinned(where: str = WHERE, actions: str = BOTH, key: str = "CostCenter") -> str:
    return (
        f'{where} allows {actions} without StringEquals "ec2:ResourceTag/{key}" equal to '
        f'"${{aws:PrincipalTag/{key}}}".'
    )


def tag_write(where: str, action: str) -> str:
    return (
        f"{where} allows {action}, so a session could retag an instance into its own cost center."
    )


def test_baseline_policy_is_compliant():
    assert violations(DESCRIBE, START_STOP) == []


def test_unconditioned_start_stop_is_reported():
    assert violations(DESCRIBE, start_stop(Condition=None)) == [unpinned()]


def test_condition_widened_to_string_like_star_is_reported():
    widened = {"StringLike": {"ec2:ResourceTag/CostCenter": "*"}}
    assert violations(DESCRIBE, start_stop(Condition=widened)) == [unpinned()]


def test_if_exists_is_reported():
    softened = {"StringEqualsIfExists": PIN["StringEquals"]}
    assert violations(DESCRIBE, start_stop(Condition=softened)) == [
        unpinned(),
        f'{WHERE} tests "ec2:ResourceTag/CostCenter" with StringEqualsIfExists, which also passes '
        "when the key is absent.",
    ]


def test_a_policy_variable_with_a_default_is_reported():
    defaulted = "${aws:PrincipalTag/CostCenter, 'marketing'}"
    condition = {"StringEquals": {"ec2:ResourceTag/CostCenter": defaulted}}
    assert violations(DESCRIBE, start_stop(Condition=condition)) == [
        unpinned(),
        f'{WHERE} uses "{defaulted}", whose default stands in for a missing principal tag.',
    ]


def test_a_negated_operator_is_reported():
    condition = {**PIN, "StringNotEquals": {"ec2:ResourceTag/Project": "payroll"}}
    assert violations(DESCRIBE, start_stop(Condition=condition)) == [
        f'{WHERE} tests "ec2:ResourceTag/Project" with the negated operator StringNotEquals, which '
        "allows every value it does not name."
    ]


def test_an_extra_ec2_wildcard_grant_is_reported_with_its_tag_writes():
    everything = {"Sid": "Everything", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
    where = '"policy" statement "Everything"'
    assert violations(DESCRIBE, START_STOP, everything) == [
        unpinned(where),
        tag_write(where, "ec2:CreateTags"),
        tag_write(where, "ec2:DeleteTags"),
    ]


@pytest.mark.parametrize(
    ("grant", "actions"),
    [
        ({"Action": "ec2:Start*"}, "ec2:StartInstances"),
        ({"Action": "*"}, BOTH),
        ({"NotAction": ["iam:*", "s3:*"]}, BOTH),
        ({"Action": "EC2:stopinstances"}, "ec2:StopInstances"),
    ],
    ids=["prefix-wildcard", "star", "not-action", "any-case"],
)
def test_start_stop_granted_through_any_spelling_is_checked(grant: dict[str, Any], actions: str):
    statement = {"Effect": "Allow", "Resource": "*", **grant}
    found = violations(DESCRIBE, START_STOP, statement)
    assert found[0] == unpinned('"policy" statement #3', actions)


def test_not_action_that_excludes_start_and_stop_grants_neither():
    statement = {"Effect": "Allow", "NotAction": "ec2:*", "Resource": "*"}
    assert violations(DESCRIBE, START_STOP, statement) == []


def test_tag_writes_beside_start_stop_are_reported():
    retag = {"Sid": "Retag", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}
    assert violations(DESCRIBE, START_STOP, retag) == [
        tag_write('"policy" statement "Retag"', "ec2:CreateTags")
    ]


def test_tag_writes_in_a_policy_without_start_stop_are_left_to_the_stack_check():
    retag = {"Sid": "Retag", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}
    assert violations(DESCRIBE, retag) == []


def test_a_tag_conditioned_describe_is_reported():
    describe = {**DESCRIBE, "Condition": PIN}
    assert violations(describe, START_STOP) == [
        '"policy" statement "DescribeInstances" makes ec2:DescribeInstances depend on '
        '"ec2:ResourceTag/CostCenter", but EC2 Describe actions carry no resource tags, so the '
        "statement never allows them."
    ]


def test_deny_statements_are_not_grants():
    deny = {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
    assert violations(DESCRIBE, START_STOP, deny) == []


def test_every_configured_access_tag_key_must_be_pinned():
    config = {"accessTagKeys": ["CostCenter", "Project"]}
    assert violations(DESCRIBE, START_STOP, config=config) == [unpinned(key="Project")]


def test_inline_role_policies_are_checked_under_their_own_property():
    inline = [{"name": "access", "policy": document(DESCRIBE, start_stop(Condition=None))}]
    role = Resource("aws:iam/role:Role", "rbac-access-role", {"inlinePolicies": inline})
    where = '"inlinePolicies[0].policy" statement "StartStopOwnCostCenter"'
    assert resource_violations("abac-start-stop-conditions", role) == [unpinned(where)]


def test_role_policies_are_checked():
    role_policy = Resource(
        "aws:iam/rolePolicy:RolePolicy",
        "rbac-access-inline",
        {"role": "AccessByCostCenter", "policy": document(start_stop(Condition=None))},
    )
    assert resource_violations("abac-start-stop-conditions", role_policy) == [unpinned()]


def test_an_unreadable_policy_is_reported():
    broken = Resource(POLICY, "rbac-access-policy", {"policy": "[]"})
    assert resource_violations("abac-start-stop-conditions", broken) == [
        'Property "policy" is not a readable policy document: a policy document must be a JSON '
        "object."
    ]
