"""federated-role-tag-contract and auth0-tag-contract: the tag contract across the whole stack."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from components.auth0_scripts import LoginSpec, TagMapping, rule_script
from policies.rbac_guard import sandbox
from policies.rbac_guard.local import Resource, stack_violations

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/AccessByCostCenter"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/auth0SamlProvider"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/VirtualMachineAccessByCostCenter"
SIGNIN = "https://signin.aws.amazon.com/saml"
CLIENT_ID = "AwsClientId0123456789abcdefABCDEF"
TAGS = (
    TagMapping("CostCenter", "app_metadata.cost_center"),
    TagMapping("Project", "app_metadata.project"),
)
SPEC = LoginSpec(CLIENT_ID, ROLE_ARN, PROVIDER_ARN, "email", TAGS)
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER_ARN},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {
                "StringEquals": {"SAML:aud": [SIGNIN]},
                "Null": {"aws:RequestTag/CostCenter": "false", "aws:RequestTag/Project": "false"},
            },
        }
    ],
}
ACCESS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
        {
            "Sid": "StartStopOwnCostCenter",
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "ec2:StopInstances"],
            "Resource": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
            "Condition": {
                "StringEquals": {"ec2:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}
            },
        },
    ],
}
SAMLP = {"recipient": SIGNIN, "destination": SIGNIN, "audience": SIGNIN}


def instance(name: str, **tags: str) -> Resource:
    return Resource("aws:ec2/instance:Instance", f"rbac-instances-{name}", {"tags": tags})


def role(trust: dict[str, Any] = TRUST) -> Resource:
    props = {"name": "AccessByCostCenter", "arn": ROLE_ARN, "assumeRolePolicy": json.dumps(trust)}
    return Resource("aws:iam/role:Role", "rbac-access-role", props)


def policy(document: dict[str, Any] = ACCESS) -> Resource:
    props = {"name": "VirtualMachineAccess", "arn": POLICY_ARN, "policy": json.dumps(document)}
    return Resource("aws:iam/policy:Policy", "rbac-access-policy", props)


def attachment(policy_arn: str = POLICY_ARN, by_dependency: bool = True) -> Resource:
    props = {"role": "AccessByCostCenter", "policyArn": policy_arn}
    dependencies = {"role": [role().urn], "policyArn": [policy().urn]} if by_dependency else {}
    kind = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    return Resource(kind, "rbac-access-policy-attachment", props, dependencies)


def client(**samlp: str) -> Resource:
    props = {"name": "AWS", "clientId": CLIENT_ID, "addons": {"samlp": {**SAMLP, **samlp}}}
    return Resource("auth0:index/client:Client", "rbac-app-client", props)


def rule(spec: LoginSpec = SPEC) -> Resource:
    props = {"name": "aws-session-tags", "script": rule_script(spec), "enabled": True}
    return Resource("auth0:index/rule:Rule", "rbac-login-rule", props)


BASELINE = (
    instance("website", CostCenter="marketing", Project="website"),
    instance("dashboard", CostCenter="engineering", Project="dashboard"),
    role(),
    policy(),
    attachment(),
    client(),
    rule(),
)


def stack(*replacements: Resource, without: tuple[str, ...] = ()) -> list[Resource]:
    """The baseline with resources of the same name replaced and the named ones removed."""
    swapped = {resource.name: resource for resource in replacements}
    kept = [swapped.pop(item.name, item) for item in BASELINE if item.name not in without]
    return kept + list(swapped.values())


def role_contract(*replacements: Resource, **kwargs: Any) -> list[tuple[str, str]]:
    return stack_violations("federated-role-tag-contract", stack(*replacements, **kwargs))


def auth0_contract(*replacements: Resource, **kwargs: Any) -> list[tuple[str, str]]:
    return stack_violations("auth0-tag-contract", stack(*replacements, **kwargs))


def with_statement(document: dict[str, Any], statement: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["Statement"].append(statement)
    return changed


def test_baseline_stack_keeps_the_role_contract():
    assert role_contract() == []


def test_baseline_stack_keeps_the_auth0_contract():
    assert auth0_contract() == []


def test_a_tag_write_attached_to_the_federated_role_is_reported():
    retag = {"Sid": "Retag", "Effect": "Allow", "Action": "ec2:*Tags", "Resource": "*"}
    changed = policy(with_statement(ACCESS, retag))
    where = '"policy" of "rbac-access-policy" statement "Retag"'
    assert role_contract(changed) == [
        (
            changed.urn,
            f"{where} allows {action}, so a session could retag an instance into its own "
            "cost center.",
        )
        for action in ("ec2:CreateTags", "ec2:DeleteTags")
    ]


def test_an_attached_policy_the_stack_does_not_hold_cannot_pass():
    managed = "arn:aws:iam::aws:policy/AmazonEC2FullAccess"
    foreign = attachment(managed, by_dependency=False)
    assert role_contract(foreign) == [
        (
            foreign.urn,
            f'Property "policyArn" attaches "{managed}" to role "rbac-access-role", but the stack '
            "does not hold that policy's document, so it cannot be checked.",
        )
    ]


def test_attachments_are_matched_by_value_when_dependencies_are_missing():
    retag = {"Sid": "Retag", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}
    found = role_contract(policy(with_statement(ACCESS, retag)), attachment(by_dependency=False))
    assert [urn for urn, _ in found] == [policy().urn]


def test_a_principal_tag_the_trust_does_not_demand_is_reported():
    trust = copy.deepcopy(TRUST)
    del trust["Statement"][0]["Condition"]["Null"]["aws:RequestTag/CostCenter"]
    assert role_contract(role(trust)) == [
        (
            role().urn,
            'Property "assumeRolePolicy" does not require "aws:RequestTag/CostCenter", yet '
            '"policy" of "rbac-access-policy" reads "${aws:PrincipalTag/CostCenter}".',
        )
    ]


def test_an_instance_without_the_matched_tag_is_reported():
    untagged = instance("dashboard", Project="dashboard")
    assert role_contract(untagged) == [
        (
            untagged.urn,
            'Property "tags.CostCenter" is missing or empty, yet "policy" of "rbac-access-policy" '
            'matches "ec2:ResourceTag/CostCenter", so no session can start or stop this instance.',
        )
    ]


def test_an_unreadable_document_elsewhere_does_not_stop_the_contract():
    broken = Resource("aws:iam/role:Role", "other-role", {"assumeRolePolicy": "{not json"})
    untagged = instance("dashboard", Project="dashboard")
    assert [urn for urn, _ in role_contract(untagged, broken)] == [untagged.urn]


def test_a_stack_without_a_federated_role_has_no_contract():
    assert role_contract(without=("rbac-access-role",)) == []
    assert auth0_contract(without=("rbac-access-role",)) == []


def test_a_principal_tag_the_rule_does_not_emit_is_reported():
    renamed = rule(replace(SPEC, tags=(TagMapping("Team", "app_metadata.cost_center"), TAGS[1])))
    assert auth0_contract(renamed) == [
        (
            renamed.urn,
            'Property "script" emits no "PrincipalTag:CostCenter" attribute, yet "policy" of '
            '"rbac-access-policy" reads "${aws:PrincipalTag/CostCenter}".',
        )
    ]


@pytest.mark.parametrize(
    "spec",
    [
        replace(SPEC, role_arn=f"arn:aws:iam::{ACCOUNT}:role/Other"),
        replace(SPEC, provider_arn=f"arn:aws:iam::{ACCOUNT}:saml-provider/Other"),
    ],
    ids=["other-role", "other-provider"],
)
def test_a_role_attribute_naming_another_role_or_provider_is_reported(spec: LoginSpec):
    assert auth0_contract(rule(spec)) == [
        (
            rule().urn,
            f'Property "script" emits Role "{spec.role_arn},{spec.provider_arn}", which does not '
            f'name role "{ROLE_ARN}" with the SAML provider "{PROVIDER_ARN}" its trust names.',
        )
    ]


@pytest.mark.parametrize("prop", ["recipient", "destination"])
def test_a_recipient_the_trust_does_not_accept_is_reported(prop: str):
    regional = "https://us-east-1.signin.aws.amazon.com/saml"
    assert auth0_contract(client(**{prop: regional})) == [
        (
            client().urn,
            f'Property "addons.samlp.{prop}" is "{regional}", which the trust of role '
            f'"rbac-access-role" does not accept as SAML:aud ({SIGNIN}).',
        )
    ]


def test_a_principal_tag_read_from_user_metadata_is_reported():
    editable = rule(replace(SPEC, tags=(TagMapping("CostCenter", "user_metadata.cost_center"),)))
    assert auth0_contract(editable) == [
        (
            editable.urn,
            'Property "script" takes "PrincipalTag:CostCenter" from user_metadata, which users can '
            "edit themselves; read it from app_metadata.",
        )
    ]


def test_a_rule_for_another_client_cannot_pass_the_contract():
    other = rule(replace(SPEC, client_id="SomeOtherApplication"))
    assert auth0_contract(other) == [
        (
            other.urn,
            'Property "script" could not be checked by running it: it left the probe login to the '
            "AWS application untouched.",
        )
    ]


def test_a_stack_without_login_code_is_reported():
    assert auth0_contract(without=("rbac-login-rule",)) == [
        (
            role().urn,
            'Role "rbac-access-role" reads principal tags, but no Auth0 rule or Action in the '
            "stack emits them.",
        ),
        (
            role().urn,
            'Role "rbac-access-role" is named by no Role attribute: no Auth0 rule or Action in the '
            "stack emits one.",
        ),
    ]


def test_without_node_the_contract_reports_it_could_not_run(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox._run.cache_clear()

    assert auth0_contract() == [
        (
            rule().urn,
            'Property "script" could not be checked by running it: Node.js was not found on PATH.',
        )
    ]


def test_a_fallback_to_user_metadata_is_reported():
    reads = "var value = readPath(user, tag.path);"
    falls_back = (
        "var value = readPath(user, tag.path) || readPath(user, ['user_metadata', tag.path[1]]);"
    )
    script = rule().props["script"]
    assert reads in script, "the generated rule no longer reads a tag the way this test edits"
    changed = Resource(rule().type, rule().name, {"script": script.replace(reads, falls_back)})

    assert auth0_contract(changed) == [
        (
            changed.urn,
            f'Property "script" takes "PrincipalTag:{key}" from user_metadata, which users can '
            "edit themselves; read it from app_metadata.",
        )
        for key in ("CostCenter", "Project")
    ]
