"""Who may do what to which instance: IAM decisions for one principal over many instances.

Instances whose tags are identical and whose ARNs differ only by instance id get the same answer
from a policy that names instances only by wildcard, so one representative per such group is
decided and the answer is copied to the rest. A policy that names a particular instance turns the
grouping off, since the instance id then matters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from offline.node_tools import AccessRequest, Decision, NamedPolicy, decide

InstanceRow = tuple[str, Mapping[str, str], str]
INSTANCE_MARKER = ":instance/"


@dataclass(frozen=True)
class AccessDecision:
    """Whether the principal may call `action` on one instance, and the statement that decided."""

    instance: str
    arn: str
    action: str
    allowed: bool
    explicit: bool
    statement: str | None


def decide_access(
    policy_documents: Sequence[Mapping[str, Any]],
    principal_tags: Mapping[str, str],
    instances: Sequence[InstanceRow],
    actions: Sequence[str],
    principal: str | None = None,
) -> list[AccessDecision]:
    """Decide each action on each instance, in instance order then action order.

    `instances` holds (name, tags, ARN) rows; `principal_tags` are the session tags the SAML
    assertion carries. Node is started once, whatever the number of instances.
    """
    policies = [NamedPolicy(f"policy{i + 1}", doc) for i, doc in enumerate(policy_documents)]
    by_id = _group_ids(instances, _names_instances(policy_documents))
    representatives = _representatives(instances, by_id)
    requests = [
        AccessRequest(_request_id(group, action), action, arn, _context(principal_tags, tags))
        for group, (tags, arn) in representatives.items()
        for action in actions
    ]
    decisions = {item.id: item for item in decide(policies, requests, principal)}

    return [
        _access_decision(name, arn, action, decisions[_request_id(by_id[index], action)])
        for index, (name, _tags, arn) in enumerate(instances)
        for action in actions
    ]


def _group_ids(instances: Sequence[InstanceRow], per_instance: bool) -> list[str]:
    keys: dict[tuple[object, ...], str] = {}
    ids = []
    for _name, tags, arn in instances:
        scope = arn if per_instance else _arn_scope(arn)
        key = (scope, tuple(sorted(tags.items())))
        ids.append(keys.setdefault(key, f"group{len(keys) + 1}"))
    return ids


def _representatives(
    instances: Sequence[InstanceRow], group_ids: Sequence[str]
) -> dict[str, tuple[Mapping[str, str], str]]:
    representatives: dict[str, tuple[Mapping[str, str], str]] = {}
    for (_name, tags, arn), group in zip(instances, group_ids, strict=True):
        representatives.setdefault(group, (tags, arn))
    return representatives


def _arn_scope(arn: str) -> str:
    """The ARN up to the instance id: partition, region, account and resource type."""
    return arn.rsplit("/", 1)[0] if INSTANCE_MARKER in arn else arn


def _names_instances(policy_documents: Sequence[Mapping[str, Any]]) -> bool:
    """True when some statement's Resource or NotResource names an instance other than `*`."""
    return any(
        INSTANCE_MARKER in pattern and pattern.split(INSTANCE_MARKER, 1)[1] != "*"
        for pattern in _resource_patterns(policy_documents)
    )


def _resource_patterns(policy_documents: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    for document in policy_documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, Mapping) else statements:
            for element in ("Resource", "NotResource"):
                value = statement.get(element, [])
                yield from [value] if isinstance(value, str) else value


def _context(principal_tags: Mapping[str, str], instance_tags: Mapping[str, str]) -> dict[str, str]:
    context = {f"aws:PrincipalTag/{key}": value for key, value in principal_tags.items()}
    for key, value in instance_tags.items():
        context[f"ec2:ResourceTag/{key}"] = value
        context[f"aws:ResourceTag/{key}"] = value
    return context


def _request_id(group: str, action: str) -> str:
    return f"{group} {action}"


def _access_decision(name: str, arn: str, action: str, decision: Decision) -> AccessDecision:
    return AccessDecision(
        instance=name,
        arn=arn,
        action=action,
        allowed=decision.allowed,
        explicit=decision.explicit,
        statement=decision.statement,
    )
