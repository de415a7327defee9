"""The federated role's trust policy: who may assume it with SAML, where, and with which tags."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .actions import ASSUME_ROLE_WITH_SAML, SET_SOURCE_IDENTITY, TAG_SESSION, grants
from .documents import allow_statements, as_list, label, tests_of

PROPERTY = '"assumeRolePolicy"'
SAML_AUDIENCE_KEY = "SAML:aud"
_SAML_PROVIDER_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:saml-provider/[\w+=,.@-]{1,128}$")
_AWS_SIGNIN_URL = re.compile(
    r"^https://([a-z0-9-]+\.)?signin\.(aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)"
    r"/saml(/acs/[\w-]+)?$"
)


@dataclass(frozen=True)
class TrustRules:
    """What a compliant SAML trust allows; an empty audience list accepts any AWS sign-in URL."""

    session_tag_keys: Sequence[str]
    allowed_audiences: Sequence[str]
    allow_set_source_identity: bool


def is_saml_trust(document: Mapping[str, Any]) -> bool:
    """True for a trust that federates a SAML provider, or lets a SAML sign-in assume the role."""
    return any(
        _names_saml(statement)
        or (_admits_federation(statement) and grants(statement, ASSUME_ROLE_WITH_SAML))
        for _, statement in allow_statements(document)
    )


def _admits_federation(statement: Mapping[str, Any]) -> bool:
    """A Federated or wildcard principal; an AWS or Service principal cannot sign in with SAML."""
    principals = _principals(statement)
    return "NotPrincipal" in statement or "Federated" in principals or "*" in principals


def saml_statements(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each Allow statement a SAML sign-in can use, with the name messages give it."""
    for index, statement in allow_statements(document):
        if _names_saml(statement) or grants(statement, ASSUME_ROLE_WITH_SAML):
            yield f"{PROPERTY} {label(index, statement)}", statement


def _names_saml(statement: Mapping[str, Any]) -> bool:
    federated = [str(arn) for arn in _principals(statement).get("Federated", [])]
    named = [str(action).lower() for action in as_list(statement.get("Action"))]
    return any(":saml-provider/" in arn for arn in federated) or (
        ASSUME_ROLE_WITH_SAML.lower() in named
    )


def _principals(statement: Mapping[str, Any]) -> dict[str, list[Any]]:
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        return {str(kind): as_list(values) for kind, values in principal.items()}
    return {"*": [principal]} if principal is not None else {}


def provider_arns(document: Mapping[str, Any]) -> list[str]:
    """The SAML provider ARNs the trust's SAML statements name as Federated principals."""
    return [
        str(arn)
        for _, statement in saml_statements(document)
        for arn in _principals(statement).get("Federated", [])
        if _SAML_PROVIDER_ARN.match(str(arn))
    ]


def audiences(document: Mapping[str, Any]) -> list[str]:
    """Every SAML:aud value the trust's SAML statements accept with StringEquals."""
    return [
        str(value)
        for _, statement in saml_statements(document)
        for test in tests_of(statement, SAML_AUDIENCE_KEY)
        if test.operator == "StringEquals"
        for value in test.values
    ]


def requires_request_tag(statement: Mapping[str, Any], key: str) -> bool:
    """True when the statement fails for a login that does not carry the session tag at all."""
    return any(
        not test.if_exists
        and not test.negated
        and test.set_qualifier != "ForAllValues"
        and (
            _is_not_null(test.base_operator, test.values) or test.base_operator.startswith("String")
        )
        for test in tests_of(statement, f"aws:RequestTag/{key}")
    )


def _is_not_null(operator: str, values: tuple[Any, ...]) -> bool:
    return operator == "Null" and all(str(value).lower() == "false" for value in values)


def required_request_tags(document: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    """The keys, of those asked about, that every SAML statement of the trust requires."""
    found = list(saml_statements(document))
    return [key for key in keys if found and all(requires_request_tag(s, key) for _, s in found)]


def trust_problems(document: Mapping[str, Any], rules: TrustRules) -> list[str]:
    """Messages for each way a SAML trust admits more principals, actions or logins than needed."""
    messages: list[str] = []
    for where, statement in saml_statements(document):
        messages += _principal_problems(where, statement)
        messages += _action_problems(where, statement, rules)
        messages += _audience_problems(where, statement, rules.allowed_audiences)
        messages += [
            f'{where} does not require "aws:RequestTag/{key}"; a login without that session tag '
            "could still assume the role."
            for key in rules.session_tag_keys
            if not requires_request_tag(statement, key)
        ]
    return messages


def _principal_problems(where: str, statement: Mapping[str, Any]) -> list[str]:
    if "NotPrincipal" in statement:
        return [f"{where} uses NotPrincipal, which trusts every principal it does not name."]
    principals = _principals(statement)
    messages = [
        f'{where} trusts the wildcard principal {_kind(kind)}"*".'
        for kind, values in principals.items()
        if "*" in values
    ]
    messages += [
        f'{where} trusts Federated "{arn}", which is not a SAML provider ARN.'
        for arn in principals.get("Federated", [])
        if arn != "*" and not _SAML_PROVIDER_ARN.match(str(arn))
    ]
    if not principals.get("Federated"):
        messages.append(f"{where} names no SAML provider as its Federated principal.")
    return messages


def _kind(kind: str) -> str:
    return "" if kind == "*" else f"{kind} "


def _action_problems(where: str, statement: Mapping[str, Any], rules: TrustRules) -> list[str]:
    if "NotAction" in statement:
        return [f"{where} uses NotAction, which allows every action it does not name."]

    expected = _expected_actions(rules)
    allowed = {action.lower() for action in expected}
    if rules.allow_set_source_identity:
        allowed.add(SET_SOURCE_IDENTITY.lower())
    messages = [
        _missing_action(where, action) for action in expected if not grants(statement, action)
    ]
    for action in (str(item) for item in as_list(statement.get("Action"))):
        if "*" in action or "?" in action:
            messages.append(f'{where} allows the wildcard action "{action}"; list each action.')
        elif action.lower() not in allowed:
            messages.append(f'{where} allows "{action}", which a SAML sign-in does not need.')
    return messages


def _expected_actions(rules: TrustRules) -> list[str]:
    return [ASSUME_ROLE_WITH_SAML] + ([TAG_SESSION] if rules.session_tag_keys else [])


def _missing_action(where: str, action: str) -> str:
    if action == TAG_SESSION:
        return (
            f'{where} does not allow "{TAG_SESSION}"; AWS refuses a SAML login that carries '
            "session tags without it."
        )
    return f'{where} does not allow "{action}".'


def _audience_problems(
    where: str, statement: Mapping[str, Any], allowed: Sequence[str]
) -> list[str]:
    tests = tests_of(statement, SAML_AUDIENCE_KEY)
    if not tests:
        return [f'{where} has no StringEquals condition on "{SAML_AUDIENCE_KEY}".']
    messages = []
    for test in tests:
        if test.operator != "StringEquals":
            messages.append(
                f'{where} tests "{SAML_AUDIENCE_KEY}" with {test.operator}; use StringEquals.'
            )
        messages += [_audience_problem(where, str(value), allowed) for value in test.values]
    return [message for message in messages if message]


def _audience_problem(where: str, audience: str, allowed: Sequence[str]) -> str:
    if "*" in audience or "?" in audience:
        return f'{where} accepts the wildcard {SAML_AUDIENCE_KEY} "{audience}".'
    accepted = audience in allowed if allowed else _AWS_SIGNIN_URL.match(audience)
    if not accepted:
        return (
            f'{where} accepts {SAML_AUDIENCE_KEY} "{audience}", '
            "which is not an allowed AWS sign-in URL."
        )
    return ""
