"""The ABAC permission policy: start and stop only where instance and principal tags agree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .actions import START_STOP, TAG_WRITES, describe_actions, granted
from .documents import (
    ConditionTest,
    allow_statements,
    condition_tests,
    defaulted_variables,
    label,
    principal_tag_variable,
)

RESOURCE_TAG_PREFIXES = ("ec2:resourcetag/", "aws:resourcetag/")


def permission_problems(
    document: Mapping[str, Any], access_tag_keys: Sequence[str], prop: str = '"policy"'
) -> list[str]:
    """Messages for each way the document lets a session act outside its own cost center."""
    messages: list[str] = []
    tag_writes: list[str] = []
    grants_start_stop = False
    for index, statement in allow_statements(document):
        where = f"{prop} {label(index, statement)}"
        start_stop = granted(statement, START_STOP)
        if start_stop:
            grants_start_stop = True
            messages += _start_stop_problems(where, statement, start_stop, access_tag_keys)
        messages += _describe_problems(where, statement)
        tag_writes += [
            _tag_write_problem(where, action) for action in granted(statement, TAG_WRITES)
        ]
    return messages + tag_writes if grants_start_stop else messages


def tag_write_grants(document: Mapping[str, Any], prop: str) -> list[str]:
    """Messages for each Allow of ec2:CreateTags or ec2:DeleteTags, wildcards included."""
    return [
        _tag_write_problem(f"{prop} {label(index, statement)}", action)
        for index, statement in allow_statements(document)
        for action in granted(statement, TAG_WRITES)
    ]


def _tag_write_problem(where: str, action: str) -> str:
    return (
        f"{where} allows {action}, so a session could retag an instance into its own cost center."
    )


def resource_tag_keys(document: Mapping[str, Any]) -> list[str]:
    """Tag keys the document's Allow statements match on instances (ec2: or aws:ResourceTag/K)."""
    keys: dict[str, None] = {}
    for _, statement in allow_statements(document):
        for test in condition_tests(statement):
            if test.key.lower().startswith(RESOURCE_TAG_PREFIXES):
                keys[test.key.split("/", 1)[1]] = None
    return list(keys)


def _start_stop_problems(
    where: str, statement: Mapping[str, Any], actions: list[str], keys: Sequence[str]
) -> list[str]:
    names = " and ".join(actions)
    messages = [
        f'{where} allows {names} without StringEquals "ec2:ResourceTag/{key}" equal to '
        f'"{principal_tag_variable(key)}".'
        for key in keys
        if not _pins_resource_tag(statement, key)
    ]
    for test in condition_tests(statement):
        if test.if_exists:
            messages.append(
                f'{where} tests "{test.key}" with {test.operator}, which also passes when the key '
                "is absent."
            )
        if test.negated:
            messages.append(
                f'{where} tests "{test.key}" with the negated operator {test.operator}, which '
                "allows every value it does not name."
            )
    messages += [
        f'{where} uses "{variable}", whose default stands in for a missing principal tag.'
        for variable in defaulted_variables(statement)
    ]
    return messages


def _pins_resource_tag(statement: Mapping[str, Any], key: str) -> bool:
    return any(_is_pin(test, key) for test in condition_tests(statement))


def _is_pin(test: ConditionTest, key: str) -> bool:
    return (
        test.operator == "StringEquals"
        and any(test.is_key(prefix + key) for prefix in RESOURCE_TAG_PREFIXES)
        and list(test.values) == [principal_tag_variable(key)]
    )


def _describe_problems(where: str, statement: Mapping[str, Any]) -> list[str]:
    tag_keys = [
        test.key
        for test in condition_tests(statement)
        if test.key.lower().startswith(RESOURCE_TAG_PREFIXES)
    ]
    describes = granted(statement, describe_actions()) if tag_keys else []
    if not describes:
        return []
    return [
        f'{where} makes {_some(describes)} depend on "{tag_keys[0]}", but EC2 Describe actions '
        "carry no resource tags, so the statement never allows them."
    ]


def _some(actions: list[str]) -> str:
    if len(actions) == 1:
        return actions[0]
    return f"{actions[0]} and {len(actions) - 1} other Describe actions"
