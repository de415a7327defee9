"""The wiring, under Pulumi's mock runtime: what the dev, prod and action stacks register."""

import json

import pytest

from offline.mocks import run_program

P = "rbac-cost-center"


@pytest.fixture(scope="module")
def dev():
    run = run_program("dev")
    assert run.error is None, run.error
    return run


def _of_type(run, type_):
    return [record for record in run.records if record.type == type_]


def _one(run, type_):
    (record,) = _of_type(run, type_)
    return record


def test_dev_registers_the_guides_instances_with_their_own_tags(dev):
    tags = {
        r.inputs["tags"]["Name"]: r.inputs["tags"]
        for r in _of_type(dev, "aws:ec2/instance:Instance")
    }
    assert tags == {
        "website": {"Name": "website", "CostCenter": "marketing", "Project": "website"},
        "management_dashboard": {
            "Name": "management_dashboard",
            "CostCenter": "engineering",
            "Project": "management_dashboard",
        },
        "community_site": {
            "Name": "community_site",
            "CostCenter": "marketing",
            "Project": "community_site",
        },
    }


def test_every_child_is_parented_under_its_component(dev):
    by_urn = {record.urn: record for record in dev.records}
    for record in dev.records:
        if record.type == "rbac:index:CostCenterEnvironment":
            continue
        parent = by_urn.get(record.parent)
        assert parent is not None, f"{record.urn} has no parent component"
        assert record.name.startswith(parent.name + "-"), record.urn


def test_role_trusts_the_existing_provider_and_carries_no_tags(dev):
    role = _one(dev, "aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    federated = trust["Statement"][0]["Principal"]["Federated"]
    assert federated == "arn:aws:iam::111122223333:saml-provider/auth0SamlProvider"
    assert role.inputs["name"] == "AccessByCostCenter"
    assert "tags" not in role.inputs, role.urn
    assert _of_type(dev, "aws:iam/samlProvider:SamlProvider") == []


def test_policy_is_attached_to_the_role(dev):
    attachment = _one(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    policy = _one(dev, "aws:iam/policy:Policy")
    assert attachment.inputs["role"] == "AccessByCostCenter"
    assert attachment.inputs["policyArn"] == policy.outputs["arn"]
    assert policy.inputs["name"] == "VirtualMachineAccessByCostCenter"


def test_rule_is_scoped_to_the_client_it_was_created_with(dev):
    client = _one(dev, "auth0:index/client:Client")
    rule = _one(dev, "auth0:index/rule:Rule")
    assert f'"clientId": "{client.outputs["clientId"]}"' in rule.inputs["script"]
    role_pair = (
        '"role": "arn:aws:iam::111122223333:role/AccessByCostCenter,'
        'arn:aws:iam::111122223333:saml-provider/auth0SamlProvider"'
    )
    assert role_pair in rule.inputs["script"]
    assert rule.inputs["enabled"] is True


def test_outputs_give_ops_the_ids_arns_and_login_url(dev):
    client_id = _one(dev, "auth0:index/client:Client").outputs["clientId"]
    assert set(dev.outputs["instanceIds"]) == {"website", "management_dashboard", "community_site"}
    assert dev.outputs["roleArn"] == "arn:aws:iam::111122223333:role/AccessByCostCenter"
    assert dev.outputs["loginUrl"] == f"https://rbac-dev.us.auth0.com/samlp/{client_id}"


def test_same_config_gives_byte_identical_documents(dev):
    again = run_program("dev")
    for type_, key in [
        ("aws:iam/role:Role", "assumeRolePolicy"),
        ("aws:iam/policy:Policy", "policy"),
        ("auth0:index/rule:Rule", "script"),
    ]:
        assert _one(dev, type_).inputs[key] == _one(again, type_).inputs[key], type_


def test_prod_protects_everything_and_creates_the_provider_from_auth0_metadata():
    prod = run_program("prod")
    assert prod.error is None, prod.error
    assert all(record.protect for record in prod.records)
    provider = _one(prod, "aws:iam/samlProvider:SamlProvider")
    client = _one(prod, "auth0:index/client:Client")
    cert_body = client.outputs["signingKeys"][0]["cert"].splitlines()[1]
    assert cert_body in provider.inputs["samlMetadataDocument"]
    trust = json.loads(_one(prod, "aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Federated"] == provider.outputs["arn"]
    assert trust["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"] == [
        "https://eu-west-1.signin.aws.amazon.com/saml",
        "https://signin.aws.amazon.com/saml",
    ]


def test_action_flow_registers_a_bound_action_and_no_rule():
    run = run_program("dev", {f"{P}:auth0Flow": "action"})
    assert run.error is None, run.error
    assert _of_type(run, "auth0:index/rule:Rule") == []
    action = _one(run, "auth0:index/action:Action")
    binding = _one(run, "auth0:index/triggerAction:TriggerAction")
    assert action.inputs["supportedTriggers"] == {"id": "post-login", "version": "v3"}
    assert action.inputs["deploy"] is True
    assert binding.inputs["actionId"] == action.id
    assert action.urn in binding.dependencies


def test_a_configured_ami_is_used_as_is():
    run = run_program("dev", {f"{P}:amiId": "ami-0123456789abcdef0"})
    amis = {record.inputs["ami"] for record in _of_type(run, "aws:ec2/instance:Instance")}
    assert amis == {"ami-0123456789abcdef0"}
