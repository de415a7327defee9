"""The Auth0 side: the SAML addon's settings, and probe logins that show what a rule or Action does.

Whether a rule is scoped to its client, or where it reads tag values from, is decided by running it
in the sandbox on crafted logins, never by reading its source text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .sandbox import LoginOutcome

AWS_ATTRIBUTE_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE = AWS_ATTRIBUTE_PREFIX + "Role"
PRINCIPAL_TAG_ATTRIBUTE = AWS_ATTRIBUTE_PREFIX + "PrincipalTag:"
RULE_TYPE = "auth0:index/rule:Rule"
ACTION_TYPE = "auth0:index/action:Action"
CLIENT_TYPE = "auth0:index/client:Client"
RULES_END_OF_LIFE = "2026-11-18"
OTHER_CLIENT_ID = "policy-probe-other-application"
APP_METADATA_MARK = "from-app-metadata"
USER_METADATA_MARK = "from-user-metadata"
# Where a rule might look for a tag value under app_metadata: the key as written, in the usual
# spellings, at the top or in one common grouping object. A rule reading elsewhere refuses the
# probe login, and the policies then report that they could not confirm its behaviour.
_GROUPS = ("", "aws", "tags", "session_tags", "sessionTags", "aws_tags", "awsTags", "abac")


def saml_addon_problems(samlp: Mapping[str, Any]) -> list[str]:
    """Messages for each setting of the samlp addon that weakens the assertion AWS receives."""
    messages = [
        _algorithm_problem(samlp, "signatureAlgorithm", "rsa-sha256", "rsa-sha1"),
        _algorithm_problem(samlp, "digestAlgorithm", "sha256", "sha1"),
    ]
    if not samlp.get("nameIdentifierProbes"):
        messages.append(
            'Property "addons.samlp.nameIdentifierProbes" is empty; name the claim that identifies '
            "the user instead of leaving Auth0 to guess."
        )
    passthrough = samlp.get("passthroughClaimsWithNoMapping")
    if passthrough is not False:
        state = "not set" if passthrough is None else f"{passthrough}".lower()
        messages.append(
            f'Property "addons.samlp.passthroughClaimsWithNoMapping" is {state}, so Auth0 passes '
            "every unmapped claim into the assertion; set it to false."
        )
    return [message for message in messages if message]


def _algorithm_problem(samlp: Mapping[str, Any], name: str, wanted: str, default: str) -> str:
    value = samlp.get(name)
    if value == wanted:
        return ""
    if value is None:
        return (
            f'Property "addons.samlp.{name}" is not set, so Auth0 uses {default}; set "{wanted}".'
        )
    return f'Property "addons.samlp.{name}" is "{value}"; set "{wanted}".'


def code_property(resource_type: str) -> str:
    """The input that holds the login code: a rule's script or an Action's code."""
    return "script" if resource_type == RULE_TYPE else "code"


def code_kind(resource_type: str) -> str:
    return "rule" if resource_type == RULE_TYPE else "action"


def action_secrets(props: Mapping[str, Any]) -> dict[str, str]:
    """An Action's secrets as event.secrets shows them; rules have none."""
    return {
        str(secret.get("name")): str(secret.get("value", ""))
        for secret in props.get("secrets") or []
        if isinstance(secret, Mapping)
    }


def probe_user(
    tag_keys: Sequence[str],
    tag_attributes: Mapping[str, str] | None = None,
    session_name_attribute: str = "email",
) -> dict[str, Any]:
    """A user whose app_metadata and user_metadata hold different values under the same paths.

    Besides the common spellings of each tag key, the probe carries a value at each configured
    attribute path, so login code that reads any configured path can be judged by running it.
    """
    user: dict[str, Any] = {
        "user_id": "auth0|policy-probe",
        "email": "policy-probe@example.com",
        "email_verified": True,
        "name": "Policy Probe",
        "nickname": "policy-probe",
        "username": "policy-probe",
        "app_metadata": _metadata(tag_keys, APP_METADATA_MARK),
        "user_metadata": _metadata(tag_keys, USER_METADATA_MARK),
    }
    for key, path in (tag_attributes or {}).items():
        for source, mark in (
            ("app_metadata", APP_METADATA_MARK),
            ("user_metadata", USER_METADATA_MARK),
        ):
            _place(user, _mirrored(path, source), f"{_snake(key)}-{mark}")
    _place(user, session_name_attribute.split("."), "policy-probe")
    return user


def _mirrored(path: str, source: str) -> list[str]:
    """The same path under source: app_metadata.x.y becomes user_metadata.x.y, and back."""
    parts = path.split(".")
    if parts[0] in ("app_metadata", "user_metadata"):
        parts[0] = source
    return parts


def _place(tree: dict[str, Any], parts: Sequence[str], value: str) -> None:
    for part in parts[:-1]:
        child = tree.get(part)
        if not isinstance(child, dict):
            child = tree[part] = {}
        tree = child
    tree[parts[-1]] = value


def _metadata(tag_keys: Sequence[str], mark: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key in tag_keys:
        value = f"{_snake(key)}-{mark}"
        for group in _GROUPS:
            target = tree.setdefault(group, {}) if group else tree
            target.update(dict.fromkeys(_spellings(key), value))
    return tree


def _spellings(key: str) -> set[str]:
    snake = _snake(key)
    camel = key[:1].lower() + key[1:]
    return {key, camel, snake, snake.replace("_", "-"), key.lower()}


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).replace("-", "_").lower()


def probe_login(
    client_id: str, user: Mapping[str, Any], addon_mappings: Mapping[str, Any]
) -> dict[str, Any]:
    """A SAML login of the user to the client, in the form the sandbox reads."""
    return {
        "user": dict(user),
        "clientId": client_id,
        "clientName": "policy probe",
        "protocol": "samlp",
        "addonMappings": dict(addon_mappings),
    }


def aws_attributes(outcome: LoginOutcome) -> dict[str, Any]:
    return {
        uri: value
        for uri, value in outcome.attributes.items()
        if uri.startswith(AWS_ATTRIBUTE_PREFIX)
    }


def other_client_problems(prop: str, outcome: LoginOutcome) -> list[str]:
    """Messages when the code acts on a login to an application other than the AWS one."""
    if outcome.outcome == "error":
        return [f"{_unprobed(prop)}: {sentence(outcome.reason)}."]
    if outcome.outcome == "refused":
        reason = sentence(outcome.reason)
        return [
            f'Property "{prop}" refuses a login to another application ("{reason}"); act only '
            "for the AWS application's client id."
        ]
    sent = ", ".join(
        sorted(uri.removeprefix(AWS_ATTRIBUTE_PREFIX) for uri in aws_attributes(outcome))
    )
    if sent:
        return [
            f'Property "{prop}" sends AWS attributes ({sent}) for a login to another application; '
            "act only for the AWS application's client id."
        ]
    return []


def unprobed(prop: str, reason: str) -> str:
    """The message of a policy that could not run the code it must judge by behaviour."""
    return f"{_unprobed(prop)}: {sentence(reason)}."


def _unprobed(prop: str) -> str:
    return f'Property "{prop}" could not be checked by running it'


def sentence(text: str) -> str:
    """A reason to quote inside a message: trimmed, without its own full stop."""
    return text.strip().rstrip(".") or "no reason given"


def rules_end_of_life_message() -> str:
    return (
        f'Property "script" is an Auth0 Rule, and Rules reached end of life on '
        f"{RULES_END_OF_LIFE}; move it to a post-login Action."
    )
