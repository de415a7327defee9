"""Runs one policy of the pack in this process on plain properties, wrapped as the SDK wraps them.

For tests and quick checks: properties go behind the SDK's unknown-checking proxy, so a policy sees
exactly what it sees under the engine, and an unknown value raises instead of passing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from .pack import POLICIES

STACK_PREFIX = "urn:pulumi:dev::rbac-cost-center::"


@dataclass(frozen=True)
class Resource:
    """A resource of a stack as a stack policy receives it: type, name and final properties."""

    type: str
    name: str
    props: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return f"{STACK_PREFIX}{self.type}::{self.name}"


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_violations(
    policy_name: str, resource: Resource, config: Mapping[str, Any] | None = None
) -> list[str]:
    """The messages the named resource policy reports for the resource."""
    policy = next(policy for policy in POLICIES if policy.name == policy_name)
    props = unknown_checking_proxy(dict(resource.props))
    args = ResourceValidationArgs(
        resource.type, props, resource.urn, resource.name, _options(), None, config
    )
    found: list[str] = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def stack_violations(
    policy_name: str, resources: Sequence[Resource], config: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(urn, message) pairs the named stack policy reports for the resources."""
    policy = next(policy for policy in POLICIES if policy.name == policy_name)
    by_urn = {
        resource.urn: PolicyResource(
            resource.type,
            unknown_checking_proxy(dict(resource.props)),
            resource.urn,
            resource.name,
            _options(),
            None,
            None,
            [],
            {},
        )
        for resource in resources
    }
    for resource in resources:
        by_urn[resource.urn].property_dependencies = {
            prop: [by_urn[urn] for urn in urns if urn in by_urn]
            for prop, urns in resource.property_dependencies.items()
        }
    found: list[tuple[str, str]] = []
    args = StackValidationArgs(list(by_urn.values()), config)
    policy.validate(args, lambda message, urn=None: found.append((urn or "", message)))
    return found
