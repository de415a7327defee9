"""saml-trust-policy and federated-role-tags: the federated role and whom it trusts."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.rbac_guard.local import Resource, resource_violations
from tests.test_policy_mutations import set_path

ROLE = "aws:iam/role:Role"
PROVIDER = "arn:aws:iam::111122223333:saml-provider/auth0SamlProvider"
SIGNIN = "https://signin.aws.amazon.com/saml"
WHERE = '"assumeRolePolicy" statement "FederatedSignInWithSessionTags"'
STATEMENT = {
    "Sid": "FederatedSignInWithSessionTags",
    "Effect": "Allow",
    "Principal": {"Federated": PROVIDER},
    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
    "Condition": {
        "StringEquals": {"SAML:aud": [SIGNIN]},
        "Null": {"aws:RequestTag/CostCenter": "false", "aws:RequestTag/Project": "false"},
        "StringLike": {"aws:RequestTag/CostCenter": "?*", "aws:RequestTag/Project": "?*"},
    },
}


def role(statement: dict[str, Any], tags: dict[str, str] | None = None) -> Resource:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    props = {"name": "AccessByCostCenter", "assumeRolePolicy": trust, "maxSessionDuration": 3600}
    if tags is not None:
        props["tags"] = tags
    return Resource(ROLE, "rbac-access-role", props)


def changed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    statement = copy.deepcopy(STATEMENT)
    change(statement)
    return statement


def trust_violations(statement: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    return resource_violations("saml-trust-policy", role(statement), config)


def test_baseline_trust_is_compliant():
    assert trust_violations(STATEMENT) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_path("Action", ["sts:AssumeRoleWithSAML"]),
            f'{WHERE} does not allow "sts:TagSession"; AWS refuses a SAML login that carries '
            "session tags without it.",
        ),
        (
            set_path("Action", ["sts:*"]),
            f'{WHERE} allows the wildcard action "sts:*"; list each action.',
        ),
        (
            set_path(
                "Action", ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"]
            ),
            f'{WHERE} allows "sts:SetSourceIdentity", which a SAML sign-in does not need.',
        ),
        (
            set_path("Condition.StringEquals", None),
            f'{WHERE} has no StringEquals condition on "SAML:aud".',
        ),
        (
            set_path("Condition.StringEquals.SAML:aud", ["https://*.amazon.com/saml"]),
            f'{WHERE} accepts the wildcard SAML:aud "https://*.amazon.com/saml".',
        ),
        (
            set_path("Condition.StringEquals.SAML:aud", ["https://idp.example.com/saml"]),
            f'{WHERE} accepts SAML:aud "https://idp.example.com/saml", which is not an allowed '
            "AWS sign-in URL.",
        ),
        (
            set_path("Condition.StringLike.SAML:aud", [SIGNIN]),
            f'{WHERE} tests "SAML:aud" with StringLike; use StringEquals.',
        ),
        (
            set_path("Principal", "*"),
            f'{WHERE} trusts the wildcard principal "*".',
        ),
        (
            set_path("Principal", {"Federated": "*"}),
            f'{WHERE} trusts the wildcard principal Federated "*".',
        ),
        (
            set_path("Principal", {"Federated": "accounts.google.com"}),
            f'{WHERE} trusts Federated "accounts.google.com", which is not a SAML provider ARN.',
        ),
        (
            set_path("Condition.Null", None),
            # StringLike "?*" alone still demands the tag, so drop both tests of CostCenter.
            None,
        ),
    ],
    ids=[
        "no-tag-session",
        "wildcard-action",
        "source-identity",
        "no-audience",
        "wildcard-audience",
        "foreign-audience",
        "audience-like",
        "principal-star",
        "federated-star",
        "not-saml-provider",
        "string-like-alone-suffices",
    ],
)
def test_each_loosened_trust_is_reported(
    change: Callable[[dict[str, Any]], None], message: str | None
):
    found = trust_violations(changed(change))
    if message is None:
        assert found == []
    else:
        assert message in found


def not_required(key: str) -> str:
    return (
        f'{WHERE} does not require "aws:RequestTag/{key}"; a login without that session tag could '
        "still assume the role."
    )


def test_a_session_tag_the_trust_does_not_demand_is_reported():
    def drop_cost_center(statement: dict[str, Any]) -> None:
        del statement["Condition"]["Null"]["aws:RequestTag/CostCenter"]
        del statement["Condition"]["StringLike"]["aws:RequestTag/CostCenter"]

    assert trust_violations(changed(drop_cost_center)) == [not_required("CostCenter")]


def test_if_exists_does_not_demand_a_session_tag():
    def soften(statement: dict[str, Any]) -> None:
        condition = statement["Condition"]
        condition["StringLikeIfExists"] = condition.pop("StringLike")
        del condition["Null"]

    assert trust_violations(changed(soften)) == [
        not_required("CostCenter"),
        not_required("Project"),
    ]


def test_set_source_identity_is_allowed_once_configured():
    statement = changed(
        set_path("Action", ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"])
    )
    assert trust_violations(statement, {"allowSetSourceIdentity": True}) == []


def test_configured_audiences_replace_the_aws_sign_in_pattern():
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    statement = changed(set_path("Condition.StringEquals.SAML:aud", [regional]))

    assert trust_violations(statement) == []
    assert trust_violations(statement, {"allowedAudiences": [SIGNIN]}) == [
        f'{WHERE} accepts SAML:aud "{regional}", which is not an allowed AWS sign-in URL.'
    ]


def test_roles_without_saml_trust_are_left_alone():
    service_trust = {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert trust_violations(service_trust) == []
    assert (
        resource_violations("federated-role-tags", role(service_trust, {"CostCenter": "x"})) == []
    )


def test_an_unreadable_trust_is_reported_not_skipped():
    broken = Resource(ROLE, "rbac-access-role", {"assumeRolePolicy": "{not json"})
    assert resource_violations("saml-trust-policy", broken) == [
        'Property "assumeRolePolicy" is not a readable policy document: the policy document is '
        "not JSON (Expecting property name enclosed in double quotes)."
    ]


def test_a_trust_unknown_during_preview_stops_the_policy():
    unknown = Resource(ROLE, "rbac-access-role", {"assumeRolePolicy": UNKNOWN_STRING_VALUE})
    with pytest.raises(UnknownValueError):
        resource_violations("saml-trust-policy", unknown)


def test_baseline_federated_role_has_no_abac_tags():
    assert resource_violations("federated-role-tags", role(STATEMENT, {"Team": "ops"})) == []


@pytest.mark.parametrize("key", ["CostCenter", "costcenter", "Project"])
def test_an_abac_key_as_role_tag_is_reported_whatever_its_case(key: str):
    assert resource_violations("federated-role-tags", role(STATEMENT, {key: "marketing"})) == [
        f'Property "tags.{key}" is an ABAC key; as a role tag it becomes the principal tag of any '
        "session that does not carry that session tag."
    ]


def test_a_wildcard_trust_that_admits_saml_sign_in_is_checked():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sts:*"}
    assert resource_violations("saml-trust-policy", role(statement)) == [
        '"assumeRolePolicy" statement #1 trusts the wildcard principal "*".',
        '"assumeRolePolicy" statement #1 names no SAML provider as its Federated principal.',
        '"assumeRolePolicy" statement #1 allows the wildcard action "sts:*"; list each action.',
        '"assumeRolePolicy" statement #1 has no StringEquals condition on "SAML:aud".',
        '"assumeRolePolicy" statement #1 does not require "aws:RequestTag/CostCenter"; a login '
        "without that session tag could still assume the role.",
        '"assumeRolePolicy" statement #1 does not require "aws:RequestTag/Project"; a login '
        "without that session tag could still assume the role.",
    ]
