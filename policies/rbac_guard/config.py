"""Config schemas of the policies; each schema's defaults are the values a policy uses unset."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs, StackValidationArgs

ABAC_TAG_KEYS = ["CostCenter", "Project"]
ACCESS_TAG_KEYS = ["CostCenter"]


def _string_list(description: str, default: list[str]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


_TAG_KEYS = _string_list(
    "ABAC tag keys: session tags, principal tags and instance tags.", ABAC_TAG_KEYS
)
TAG_KEYS_SCHEMA = PolicyConfigSchema(properties={"tagKeys": _TAG_KEYS})
PROBE_SCHEMA = PolicyConfigSchema(
    properties={
        "tagKeys": _TAG_KEYS,
        "tagAttributes": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {},
            "description": "Auth0 user attribute that feeds each session tag, e.g. "
            '{"CostCenter": "app_metadata.cost_center"}; the probe login carries a value there.',
        },
        "sessionNameAttribute": {
            "type": "string",
            "default": "email",
            "description": "Auth0 user attribute the login code names the AWS session from.",
        },
    }
)
INSTANCE_SCHEMA = PolicyConfigSchema(
    properties={
        "tagKeys": _TAG_KEYS,
        "allowedCostCenters": _string_list(
            "Cost centers an instance may carry; empty accepts any valid value.", []
        ),
        "costCenterTagKey": {
            "type": "string",
            "default": "CostCenter",
            "description": "The tag key whose value allowedCostCenters limits.",
        },
    }
)
TRUST_SCHEMA = PolicyConfigSchema(
    properties={
        "sessionTagKeys": _string_list(
            "Session tags every SAML sign-in must carry (aws:RequestTag/<key>).", ABAC_TAG_KEYS
        ),
        "allowedAudiences": _string_list(
            "SAML:aud values the trust may accept; empty accepts any AWS sign-in URL.", []
        ),
        "allowSetSourceIdentity": {
            "type": "boolean",
            "default": False,
            "description": "Whether the trust may also allow sts:SetSourceIdentity.",
        },
    }
)
ACCESS_SCHEMA = PolicyConfigSchema(
    properties={
        "accessTagKeys": _string_list(
            "Tag keys on which instance and principal must agree to start or stop.",
            ACCESS_TAG_KEYS,
        )
    }
)


def policy_settings(
    args: ResourceValidationArgs | StackValidationArgs, schema: PolicyConfigSchema
) -> dict[str, Any]:
    """The policy's config, each property missing from it taken from the schema's default."""
    config = args.get_config() or {}
    return {name: config.get(name, spec["default"]) for name, spec in schema.properties.items()}
