"""The IAM document and SAML metadata builders, called directly."""

import json
import xml.etree.ElementTree as ET

from components import documents

PROVIDER = "arn:aws:iam::111122223333:saml-provider/auth0SamlProvider"
SIGNIN = ["https://signin.aws.amazon.com/saml"]


def _trust(keys=("CostCenter", "Project")) -> dict:
    return json.loads(documents.trust_policy(PROVIDER, SIGNIN, keys))


def test_trust_allows_saml_and_tag_session_from_the_provider_only():
    statement = _trust()["Statement"][0]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Condition"]["StringEquals"] == {"SAML:aud": SIGNIN}


def test_trust_requires_every_session_tag_present_and_non_empty():
    condition = _trust()["Statement"][0]["Condition"]
    assert condition["Null"] == {
        "aws:RequestTag/CostCenter": "false",
        "aws:RequestTag/Project": "false",
    }
    assert condition["StringLike"] == {
        "aws:RequestTag/CostCenter": "?*",
        "aws:RequestTag/Project": "?*",
    }


def test_abac_policy_keeps_describe_unconditioned_and_start_stop_tag_bound():
    document = json.loads(documents.abac_policy("aws", "us-east-1", "111122223333", "CostCenter"))
    describe, start_stop = document["Statement"]
    assert describe == {
        "Sid": "DescribeInstances",
        "Effect": "Allow",
        "Action": "ec2:DescribeInstances",
        "Resource": "*",
    }
    assert start_stop["Action"] == ["ec2:StartInstances", "ec2:StopInstances"]
    assert start_stop["Resource"] == "arn:aws:ec2:us-east-1:111122223333:instance/*"
    assert start_stop["Condition"] == {
        "StringEquals": {"ec2:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}
    }


def test_abac_policy_follows_the_partition_and_the_configured_key():
    text = documents.abac_policy("aws-cn", "cn-north-1", "111122223333", "Team")
    assert '"arn:aws-cn:ec2:cn-north-1:111122223333:instance/*"' in text
    assert '"ec2:ResourceTag/Team": "${aws:PrincipalTag/Team}"' in text


def test_documents_are_byte_identical_across_calls_and_always_versioned():
    first = documents.trust_policy(PROVIDER, SIGNIN, ["CostCenter"])
    second = documents.trust_policy(PROVIDER, list(SIGNIN), ("CostCenter",))
    assert first == second
    assert json.loads(first)["Version"] == "2012-10-17"
    policy = documents.abac_policy("aws", "us-east-1", "111122223333", "CostCenter")
    assert json.loads(policy)["Version"] == "2012-10-17"


def test_idp_metadata_names_auth0_and_carries_the_signing_certificate():
    pem = "-----BEGIN CERTIFICATE-----\nMIIBabc\ndef==\n-----END CERTIFICATE-----\n"
    root = ET.fromstring(documents.idp_metadata("t.us.auth0.com", "CLIENT", pem))
    ns = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.get("entityID") == "urn:t.us.auth0.com"
    assert root.find(".//ds:X509Certificate", ns).text == "MIIBabcdef=="
    locations = {e.get("Location") for e in root.findall(".//md:SingleSignOnService", ns)}
    assert locations == {"https://t.us.auth0.com/samlp/CLIENT"}
