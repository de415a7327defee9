"""IAM decisions through offline/node/decide.js and offline/access.py, for the ABAC policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.access import decide_access
from offline.node_tools import (
    INSTALL_STAMP,
    AccessRequest,
    NamedPolicy,
    NodeToolError,
    decide,
    ensure_node_modules,
)

ACCOUNT = "111122223333"
INSTANCES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance"
WEBSITE = f"{INSTANCES}/i-0a1b2c3d4e5f60001"
DASHBOARD = f"{INSTANCES}/i-0a1b2c3d4e5f60002"
START_STOP = ("ec2:StartInstances", "ec2:StopInstances")

ABAC_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DescribeInstances",
            "Effect": "Allow",
            "Action": "ec2:DescribeInstances",
            "Resource": "*",
        },
        {
            "Sid": "StartStopOwnCostCenter",
            "Effect": "Allow",
            "Action": list(START_STOP),
            "Resource": f"{INSTANCES}/*",
            "Condition": {
                "StringEquals": {"ec2:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}
            },
        },
    ],
}
POLICIES = [NamedPolicy("VirtualMachineAccessByCostCenter", ABAC_POLICY)]


def request(
    action: str,
    principal_cost_center: str | None,
    instance_cost_center: str | None,
    resource: str = WEBSITE,
) -> AccessRequest:
    context = {}
    if principal_cost_center is not None:
        context["aws:PrincipalTag/CostCenter"] = principal_cost_center
    if instance_cost_center is not None:
        context["ec2:ResourceTag/CostCenter"] = instance_cost_center
    return AccessRequest(f"{action} {instance_cost_center}", action, resource, context)


def decide_one(item: AccessRequest, policies: list[NamedPolicy] = POLICIES) -> Any:
    [decision] = decide(policies, [item])
    assert decision.id == item.id
    return decision


@pytest.mark.parametrize("action", START_STOP)
def test_marketing_session_may_start_and_stop_a_marketing_instance(action: str) -> None:
    decision = decide_one(request(action, "marketing", "marketing"))

    assert (decision.decision, decision.explicit) == ("allow", True)
    assert decision.statement == "StartStopOwnCostCenter"


@pytest.mark.parametrize("action", START_STOP)
def test_marketing_session_may_not_touch_an_engineering_instance(action: str) -> None:
    decision = decide_one(request(action, "marketing", "engineering"))

    assert (decision.decision, decision.explicit, decision.statement) == ("deny", False, None)


@pytest.mark.parametrize(
    ("principal", "instance"),
    [("Marketing", "marketing"), ("marketing", "MARKETING")],
    ids=["principal-capitalised", "instance-upper-case"],
)
def test_cost_centers_that_differ_only_in_case_are_denied(principal: str, instance: str) -> None:
    decision = decide_one(request("ec2:StopInstances", principal, instance))

    assert not decision.allowed


def test_session_without_a_cost_center_tag_is_denied() -> None:
    decision = decide_one(request("ec2:StartInstances", None, "marketing"))

    assert not decision.allowed


def test_instance_without_a_cost_center_tag_is_denied() -> None:
    decision = decide_one(request("ec2:StartInstances", "marketing", None))

    assert not decision.allowed


def test_describe_instances_is_allowed_without_tags_and_decided_against_star() -> None:
    decision = decide_one(request("ec2:DescribeInstances", None, None))

    assert (decision.decision, decision.statement) == ("allow", "DescribeInstances")
    assert decision.resource == "*"


def test_actions_outside_the_policy_are_denied() -> None:
    decision = decide_one(request("ec2:TerminateInstances", "marketing", "marketing"))

    assert not decision.allowed


def test_instance_in_another_account_is_denied() -> None:
    elsewhere = "arn:aws:ec2:us-east-1:444455556666:instance/i-0a1b2c3d4e5f60009"

    decision = decide_one(request("ec2:StopInstances", "marketing", "marketing", elsewhere))

    assert not decision.allowed


def test_explicit_deny_names_the_statement_even_without_a_sid() -> None:
    deny_stop = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:StopInstances", "Resource": "*"}],
    }
    policies = [*POLICIES, NamedPolicy("NoStopping", deny_stop)]

    decision = decide_one(request("ec2:StopInstances", "marketing", "marketing"), policies)

    assert (decision.decision, decision.explicit) == ("deny", True)
    assert decision.statement == "NoStopping#1"


def test_misspelt_condition_key_is_reported_as_ignored() -> None:
    item = AccessRequest(
        "typo",
        "ec2:StopInstances",
        WEBSITE,
        {"aws:PrincipalTag/CostCenter": "marketing", "ec2:ResourceTags/CostCenter": "marketing"},
    )

    decision = decide_one(item)

    assert not decision.allowed
    assert decision.ignored_context_keys == ("ec2:ResourceTags/CostCenter",)


def test_invalid_policy_is_a_node_tool_error_naming_the_request() -> None:
    broken = [NamedPolicy("broken", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})]

    with pytest.raises(NodeToolError, match="cannot be evaluated"):
        decide(broken, [request("ec2:StopInstances", "marketing", "marketing")])


def test_one_batch_keeps_the_order_of_its_requests() -> None:
    items = [
        request("ec2:StopInstances", "marketing", "engineering", DASHBOARD),
        request("ec2:StopInstances", "marketing", "marketing", WEBSITE),
    ]

    decisions = decide(POLICIES, items)

    assert [(d.id, d.allowed) for d in decisions] == [(items[0].id, False), (items[1].id, True)]


def test_install_is_skipped_when_the_lock_file_is_unchanged() -> None:
    ensure_node_modules()
    stamp_time = INSTALL_STAMP.stat().st_mtime_ns

    ensure_node_modules()

    assert INSTALL_STAMP.stat().st_mtime_ns == stamp_time


# The access matrix

DEV_INSTANCES = [
    ("website", {"CostCenter": "marketing", "Project": "website"}, WEBSITE),
    ("management_dashboard", {"CostCenter": "engineering", "Project": "dash"}, DASHBOARD),
    ("community_site", {"CostCenter": "marketing", "Project": "website"}, f"{INSTANCES}/i-3"),
]


def allowed_instances(principal_tags: dict[str, str], action: str = "ec2:StopInstances") -> list:
    decisions = decide_access([ABAC_POLICY], principal_tags, DEV_INSTANCES, [action])
    return [item.instance for item in decisions if item.allowed]


def test_access_matrix_gives_marketing_the_marketing_instances() -> None:
    assert allowed_instances({"CostCenter": "marketing"}) == ["website", "community_site"]


def test_access_matrix_gives_engineering_the_dashboard_only() -> None:
    assert allowed_instances({"CostCenter": "engineering"}) == ["management_dashboard"]


def test_access_matrix_gives_an_untagged_session_nothing_but_describe() -> None:
    assert allowed_instances({}) == []
    assert len(allowed_instances({}, "ec2:DescribeInstances")) == len(DEV_INSTANCES)


def test_access_matrix_decides_each_distinct_tag_set_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[int] = []

    def counting_decide(policies: Any, requests: Any, principal: Any = None) -> Any:
        sent.append(len(requests))
        return decide(policies, requests, principal)

    monkeypatch.setattr("offline.access.decide", counting_decide)
    many = [(f"web{i}", {"CostCenter": "marketing"}, f"{INSTANCES}/i-{i:017x}") for i in range(40)]

    decisions = decide_access([ABAC_POLICY], {"CostCenter": "marketing"}, many, START_STOP)

    assert sent == [len(START_STOP)]
    assert len(decisions) == len(many) * len(START_STOP)
    assert all(item.allowed for item in decisions)


def test_access_matrix_decides_per_instance_when_a_policy_names_one() -> None:
    only_website = json.loads(json.dumps(ABAC_POLICY))
    only_website["Statement"][1]["Resource"] = WEBSITE
    twins = [
        ("website", {"CostCenter": "marketing"}, WEBSITE),
        ("twin", {"CostCenter": "marketing"}, f"{INSTANCES}/i-0a1b2c3d4e5f60003"),
    ]

    decisions = decide_access(
        [only_website], {"CostCenter": "marketing"}, twins, ["ec2:StopInstances"]
    )

    assert [(item.instance, item.allowed) for item in decisions] == [
        ("website", True),
        ("twin", False),
    ]


def test_access_matrix_on_the_policy_the_program_generates() -> None:
    documents = pytest.importorskip("components.documents")
    generated = json.loads(documents.abac_policy("aws", "us-east-1", ACCOUNT, "CostCenter"))

    decisions = decide_access([generated], {"CostCenter": "marketing"}, DEV_INSTANCES, START_STOP)

    allowed = {(item.instance, item.action) for item in decisions if item.allowed}
    assert allowed == {
        (name, action) for name in ("website", "community_site") for action in START_STOP
    }
