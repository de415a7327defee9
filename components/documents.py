"""Pure builders of the IAM documents and the SAML metadata: the same inputs give the same bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

POLICY_VERSION = "2012-10-17"
START_STOP_ACTIONS = ("ec2:StartInstances", "ec2:StopInstances")
SAML_ACTIONS = ("sts:AssumeRoleWithSAML", "sts:TagSession")


def render(document: dict[str, Any]) -> str:
    """Serialises a policy document the same way every time, so previews show no false diffs."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def trust_policy(provider_arn: str, signin_urls: Sequence[str], tag_keys: Sequence[str]) -> str:
    """Lets users federated by the SAML provider assume the role, only with every session tag.

    sts:TagSession is required: without it AWS refuses an assertion that carries session tags.
    The Null and StringLike conditions make each tag present and non-empty, so a login without a
    cost center fails at sign-in instead of producing a session that matches nothing.
    """
    condition: dict[str, Any] = {"StringEquals": {"SAML:aud": list(signin_urls)}}
    if tag_keys:
        condition["Null"] = {f"aws:RequestTag/{key}": "false" for key in tag_keys}
        condition["StringLike"] = {f"aws:RequestTag/{key}": "?*" for key in tag_keys}
    statement = {
        "Sid": "FederatedSignInWithSessionTags",
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": list(SAML_ACTIONS),
        "Condition": condition,
    }
    return render({"Version": POLICY_VERSION, "Statement": [statement]})


def abac_policy(partition: str, region: str, account_id: str, access_tag_key: str) -> str:
    """Allows start and stop only of instances whose tag equals the caller's session tag.

    DescribeInstances stays in its own unconditioned statement: EC2 cannot scope Describe calls by
    tag, and a tag condition there would silently make the statement grant nothing.
    """
    describe = {
        "Sid": "DescribeInstances",
        "Effect": "Allow",
        "Action": "ec2:DescribeInstances",
        "Resource": "*",
    }
    start_stop = {
        "Sid": "StartStopOwnCostCenter",
        "Effect": "Allow",
        "Action": list(START_STOP_ACTIONS),
        "Resource": f"arn:{partition}:ec2:{region}:{account_id}:instance/*",
        "Condition": {
            "StringEquals": {
                f"ec2:ResourceTag/{access_tag_key}": "${aws:PrincipalTag/" + access_tag_key + "}"
            }
        },
    }
    return render({"Version": POLICY_VERSION, "Statement": [describe, start_stop]})


def idp_metadata(domain: str, client_id: str, certificate: str) -> str:
    """SAML metadata of Auth0 as identity provider for one application, built without a download.

    It names the same entity, endpoints and signing certificate that Auth0 publishes at
    https://{domain}/samlp/metadata/{clientId}.
    """
    cert = "".join(
        line for line in certificate.strip().splitlines() if line and not line.startswith("-----")
    )
    sso = f"https://{domain}/samlp/{client_id}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<EntityDescriptor entityID={quoteattr('urn:' + domain)} "
        'xmlns="urn:oasis:names:tc:SAML:2.0:metadata">\n'
        '  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
        '    <KeyDescriptor use="signing">\n'
        '      <KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">\n'
        f"        <X509Data><X509Certificate>{escape(cert)}</X509Certificate></X509Data>\n"
        "      </KeyInfo>\n"
        "    </KeyDescriptor>\n"
        f'    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f"Location={quoteattr(f'https://{domain}/samlp/{client_id}/logout')}/>\n"
        "    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>\n"
        f'    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f"Location={quoteattr(sso)}/>\n"
        f'    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f"Location={quoteattr(sso)}/>\n"
        "  </IDPSSODescriptor>\n"
        "</EntityDescriptor>\n"
    )
