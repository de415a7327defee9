"""Single insecure changes to the dev stack, each caught as mandatory by the policy pack.

The records come from the real program under mocks; each case edits one resource's properties
(both as registered and as final state) and runs the pack over gRPC, as a preview would.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import struct_pb2

from offline import analyzer
from offline.mocks import ResourceRecord, run_program

Change = Callable[[dict[str, Any]], None]
ROLE = "rbac-access-role"
POLICY = "rbac-access-policy"
CLIENT = "rbac-app-client"
RULE = "rbac-login-rule"
WEBSITE = "rbac-instances-website"


@dataclasses.dataclass(frozen=True)
class Mutation:
    """One insecure edit of one resource, and every (policy, resource) that must flag it."""

    resource: str
    change: Change
    caught_by: frozenset[tuple[str, str]]


def edit_document(prop: str, edit: Callable[[dict[str, Any]], None]) -> Change:
    def change(props: dict[str, Any]) -> None:
        document = json.loads(props[prop])
        edit(document)
        props[prop] = json.dumps(document)

    return change


def edit_statement(prop: str, sid: str, edit: Callable[[dict[str, Any]], None]) -> Change:
    def edit_matching(document: dict[str, Any]) -> None:
        statements = [item for item in document["Statement"] if item.get("Sid") == sid]
        assert len(statements) == 1, f"no statement {sid} in {prop}"
        edit(statements[0])

    return edit_document(prop, edit_matching)


def add_statement(statement: dict[str, Any]) -> Change:
    return edit_document("policy", lambda document: document["Statement"].append(statement))


def replace_text(prop: str, pattern: str, new: str) -> Change:
    """Replaces the one match of a regular expression, so layout changes do not defeat the edit."""

    def change(props: dict[str, Any]) -> None:
        props[prop], count = re.subn(pattern, new, props[prop])
        assert count == 1, f"{pattern!r} does not match exactly once in {prop}"

    return change


def set_path(path: str, value: Any) -> Change:
    """Sets props[a][b]... for "a.b"; None deletes it."""

    def change(props: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            props = props[key]
        if value is None:
            del props[last]
        else:
            props[last] = value

    return change


TRUST = "FederatedSignInWithSessionTags"
START_STOP = "StartStopOwnCostCenter"
PIN_KEY = "ec2:ResourceTag/CostCenter"


def _trust(edit: Callable[[dict[str, Any]], None]) -> Change:
    return edit_statement("assumeRolePolicy", TRUST, edit)


def _start_stop(edit: Callable[[dict[str, Any]], None]) -> Change:
    return edit_statement("policy", START_STOP, edit)


def _condition(operator: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(statement: dict[str, Any]) -> None:
        statement["Condition"] = {operator: {PIN_KEY: value}}

    return edit


def caught(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


MUTATIONS = {
    "trust-without-tag-session": Mutation(
        ROLE,
        _trust(lambda statement: statement["Action"].remove("sts:TagSession")),
        caught(("saml-trust-policy", ROLE)),
    ),
    "trust-without-saml-aud": Mutation(
        ROLE,
        _trust(lambda statement: statement["Condition"].pop("StringEquals")),
        caught(("saml-trust-policy", ROLE), ("auth0-tag-contract", CLIENT)),
    ),
    "saml-aud-wildcard": Mutation(
        ROLE,
        _trust(lambda statement: statement["Condition"]["StringEquals"].update({"SAML:aud": "*"})),
        caught(("saml-trust-policy", ROLE), ("auth0-tag-contract", CLIENT)),
    ),
    "trust-wildcard-principal": Mutation(
        ROLE,
        _trust(lambda statement: statement.update({"Principal": {"Federated": "*"}})),
        caught(("saml-trust-policy", ROLE), ("auth0-tag-contract", RULE)),
    ),
    "trust-without-cost-center-tag": Mutation(
        ROLE,
        _trust(
            lambda statement: [
                statement["Condition"][operator].pop("aws:RequestTag/CostCenter")
                for operator in ("Null", "StringLike")
            ]
        ),
        caught(("saml-trust-policy", ROLE), ("federated-role-tag-contract", ROLE)),
    ),
    "start-stop-widened-to-string-like": Mutation(
        POLICY,
        _start_stop(_condition("StringLike", "*")),
        caught(("abac-start-stop-conditions", POLICY)),
    ),
    "start-stop-if-exists": Mutation(
        POLICY,
        _start_stop(_condition("StringEqualsIfExists", "${aws:PrincipalTag/CostCenter}")),
        caught(("abac-start-stop-conditions", POLICY)),
    ),
    "start-stop-unconditioned": Mutation(
        POLICY,
        _start_stop(lambda statement: statement.pop("Condition")),
        caught(("abac-start-stop-conditions", POLICY)),
    ),
    "extra-ec2-star-grant": Mutation(
        POLICY,
        add_statement({"Sid": "Everything", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}),
        caught(("abac-start-stop-conditions", POLICY), ("federated-role-tag-contract", POLICY)),
    ),
    "create-tags-grant": Mutation(
        POLICY,
        add_statement(
            {"Sid": "Retag", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}
        ),
        caught(("abac-start-stop-conditions", POLICY), ("federated-role-tag-contract", POLICY)),
    ),
    "tag-conditioned-describe": Mutation(
        POLICY,
        edit_statement(
            "policy",
            "DescribeInstances",
            lambda statement: statement.update(
                {"Condition": {"StringEquals": {PIN_KEY: "${aws:PrincipalTag/CostCenter}"}}}
            ),
        ),
        caught(("abac-start-stop-conditions", POLICY)),
    ),
    "instance-without-cost-center": Mutation(
        WEBSITE,
        set_path("tags.CostCenter", None),
        caught(("instance-abac-tags", WEBSITE), ("federated-role-tag-contract", WEBSITE)),
    ),
    "abac-key-as-role-tag": Mutation(
        ROLE,
        set_path("tags", {"CostCenter": "engineering"}),
        caught(("federated-role-tags", ROLE)),
    ),
    "rule-not-scoped-to-client": Mutation(
        RULE,
        replace_text("script", r"context\.clientID !== SETTINGS\.clientId \|\| ", ""),
        caught(("auth0-login-scoped-to-client", RULE)),
    ),
    "rule-tag-key-not-the-policy-key": Mutation(
        RULE,
        replace_text("script", r'"key":\s*"CostCenter"', '"key": "CostCentre"'),
        caught(("auth0-tag-contract", RULE)),
    ),
    "principal-tag-from-user-metadata": Mutation(
        RULE,
        replace_text(
            "script", r'"app_metadata",(\s*)"cost_center"', r'"user_metadata",\1"cost_center"'
        ),
        caught(("auth0-tag-contract", RULE)),
    ),
    "role-attribute-names-another-role": Mutation(
        RULE,
        replace_text("script", r":role/AccessByCostCenter,", ":role/Administrator,"),
        caught(("auth0-tag-contract", RULE)),
    ),
    "sha1-signing": Mutation(
        CLIENT,
        set_path("addons.samlp.signatureAlgorithm", "rsa-sha1"),
        caught(("auth0-saml-client", CLIENT)),
    ),
    "unmapped-claims-passed-through": Mutation(
        CLIENT,
        set_path("addons.samlp.passthroughClaimsWithNoMapping", True),
        caught(("auth0-saml-client", CLIENT)),
    ),
    "recipient-not-the-trusted-audience": Mutation(
        CLIENT,
        set_path("addons.samlp.recipient", "https://signin.aws.amazon.com/static/saml"),
        caught(("auth0-tag-contract", CLIENT)),
    ),
}


@pytest.fixture(scope="module")
def dev_records() -> list[ResourceRecord]:
    run = run_program("dev")
    assert run.error is None
    return run.records


def mandatory(
    pack: analyzer.PolicyPackProcess, records: list[ResourceRecord]
) -> set[tuple[str, str]]:
    """(policy, resource name) of each mandatory violation, the stack-wide ones under ""."""
    names = {record.urn: record.name for record in records}
    violations = pack.analyze(records) + pack.analyze_stack(records)
    return {
        (violation.policy, names.get(violation.urn, ""))
        for violation in violations
        if violation.level == "mandatory"
    }


def mutated(records: list[ResourceRecord], name: str, change: Change) -> list[ResourceRecord]:
    """The records with one resource's inputs and final state edited the same way."""
    return [_edited(record, change) if record.name == name else record for record in records]


def _edited(record: ResourceRecord, change: Change) -> ResourceRecord:
    inputs, outputs = copy.deepcopy(record.inputs), copy.deepcopy(record.outputs)
    change(inputs)
    change(outputs)
    raw = struct_pb2.Struct()
    raw.update(inputs)
    return dataclasses.replace(record, inputs=inputs, raw_inputs=raw, outputs=outputs)


def test_the_unmutated_dev_stack_has_no_mandatory_violation(
    pack: analyzer.PolicyPackProcess, dev_records: list[ResourceRecord]
):
    assert mandatory(pack, dev_records) == set()


def test_there_are_at_least_fifteen_mutations():
    assert len(MUTATIONS) >= 15


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_each_insecure_change_is_caught_as_mandatory(
    case: str, pack: analyzer.PolicyPackProcess, dev_records: list[ResourceRecord]
):
    mutation = MUTATIONS[case]
    records = mutated(dev_records, mutation.resource, mutation.change)
    assert mandatory(pack, records) == mutation.caught_by
