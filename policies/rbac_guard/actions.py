"""Which actions a statement grants, wildcards and NotAction included, per parliament's IAM data."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import parliament

from .documents import as_list

START_INSTANCES = "ec2:StartInstances"
STOP_INSTANCES = "ec2:StopInstances"
START_STOP = (START_INSTANCES, STOP_INSTANCES)
TAG_WRITES = ("ec2:CreateTags", "ec2:DeleteTags")
ASSUME_ROLE_WITH_SAML = "sts:AssumeRoleWithSAML"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"


@functools.lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    """Every known action a pattern such as "ec2:Start*" names, as lower-case service:action."""
    try:
        matches = parliament.expand_action(pattern, raise_exceptions=False)
    except ValueError:
        # Not of the service:action form, so IAM matches no action with it either.
        return frozenset()
    return frozenset(f"{match['service']}:{match['action']}".lower() for match in matches)


def grants(statement: Mapping[str, Any], action: str) -> bool:
    """True when the statement's Action (or NotAction) covers the action."""
    return bool(granted(statement, (action,)))


def granted(statement: Mapping[str, Any], actions: Iterable[str]) -> list[str]:
    """The actions, of those asked about, that the statement covers, in the order asked."""
    negated = "NotAction" in statement
    patterns = statement["NotAction"] if negated else statement.get("Action")
    named = _named(tuple(str(item) for item in as_list(patterns)))
    return [action for action in actions if (action.lower() in named) != negated]


@functools.lru_cache(maxsize=1024)
def _named(patterns: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(expand(pattern) for pattern in patterns))


@functools.cache
def describe_actions() -> tuple[str, ...]:
    """EC2's Describe actions, none of which can be scoped by resource tags."""
    return tuple(sorted(f"ec2:{match['action']}" for match in _ec2_describe()))


def _ec2_describe() -> list[dict[str, str]]:
    return parliament.expand_action("ec2:Describe*")
