"""The stack configuration schema, one declaration per key: the source of Pulumi.yaml and README.

`tools/gen_config.py` writes the `config:` block of Pulumi.yaml and the README's configuration table
from these declarations, and a test fails when either has drifted from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROJECT = "rbac-cost-center"

DEFAULT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


@dataclass(frozen=True)
class Key:
    """One project config key as Pulumi.yaml declares it."""

    name: str
    type: str
    description: str
    default: Any = None
    required: bool = False
    items: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    """For objects and arrays of objects: each field name and what it means."""


KEYS: tuple[Key, ...] = (
    Key(
        "accountId",
        "string",
        "The 12-digit AWS account id the stack deploys to, quoted so a leading zero survives.",
        required=True,
    ),
    Key(
        "samlProviderName",
        "string",
        "Name of the IAM SAML identity provider that trusts Auth0.",
        default="auth0SamlProvider",
    ),
    Key(
        "manageSamlProvider",
        "boolean",
        "Create the SAML provider from the Auth0 application's signing certificate; false "
        "references an existing provider of that name.",
        default=False,
    ),
    Key("roleName", "string", "Name of the federated IAM role.", default="AccessByCostCenter"),
    Key(
        "policyName",
        "string",
        "Name of the managed policy that grants start and stop by cost center.",
        default="VirtualMachineAccessByCostCenter",
    ),
    Key(
        "signinUrls",
        "array",
        "AWS sign-in endpoints allowed as SAML:aud; the first is the SAML recipient. Empty means "
        "the partition's global endpoint (https://signin.aws.amazon.com/saml in aws).",
        default=[],
        items="string",
    ),
    Key(
        "maxSessionDuration",
        "integer",
        "Longest console or CLI session of the role, in seconds (3600 to 43200).",
        default=3600,
    ),
    Key(
        "sessionTags",
        "array",
        "Session tags sent in the SAML assertion, each fed by an Auth0 user attribute.",
        default=[
            {"key": "CostCenter", "attribute": "app_metadata.cost_center"},
            {"key": "Project", "attribute": "app_metadata.project"},
        ],
        items="object",
        fields={
            "key": "session-tag key, as in aws:PrincipalTag/<key> and on every instance",
            "attribute": "Auth0 user attribute path under app_metadata, e.g. app_metadata.team",
        },
    ),
    Key(
        "accessTagKey",
        "string",
        "Session-tag key that must equal the instance's tag of the same key to start or stop it.",
        default="CostCenter",
    ),
    Key(
        "roleSessionNameAttribute",
        "string",
        "Auth0 user attribute that names the AWS session (email, user_id, username, nickname, "
        "name, or a path under app_metadata).",
        default="email",
    ),
    Key(
        "instances",
        "array",
        "EC2 instances of the environment.",
        required=True,
        items="object",
        fields={
            "name": "unique name; also the instance's Name tag",
            "tags": "map of tags; must hold every session-tag key",
            "instanceType": "optional; overrides instanceType",
        },
    ),
    Key("instanceType", "string", "Default EC2 instance type.", default="t3.micro"),
    Key(
        "amiId",
        "string",
        "AMI id for every instance; empty means the latest image named by amiSsmParameter.",
        default="",
    ),
    Key(
        "amiSsmParameter",
        "string",
        "Public SSM parameter that names the AMI when amiId is empty (read once at create; a "
        "newer image does not replace running instances).",
        default=DEFAULT_AMI_PARAMETER,
    ),
    Key("subnetId", "string", "Subnet for the instances; empty means the default VPC.", default=""),
    Key(
        "protectResources",
        "boolean",
        "Protect every resource from deletion (production).",
        default=False,
    ),
    Key("auth0ApplicationName", "string", "Name of the Auth0 SAML application.", default="AWS"),
    Key(
        "auth0Flow",
        "string",
        "How Auth0 adds the role and session tags: rule (as the guide does) or action (tenants "
        "without Rules).",
        default="rule",
    ),
    Key("auth0RuleName", "string", "Name of the Auth0 rule.", default="aws-session-tags"),
    Key(
        "auth0ActionName",
        "string",
        "Name of the Auth0 post-login Action.",
        default="aws-session-tags",
    ),
    Key(
        "sampleUsers",
        "array",
        "Offline preview only: users to sign in, and which instances each must and must not be "
        "able to start and stop. Never deployed.",
        default=[],
        items="object",
        fields={
            "name": "label in the access matrix",
            "email": "the user's email",
            "app_metadata": "map of the user's app_metadata",
            "user_metadata": "optional map of the user's user_metadata",
            "application": "optional; 'aws' (default) or another application's name",
            "expect": "canStartStop / cannotStartStop lists, loginRefused or untouched",
        },
    ),
)

BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
