"""instance-abac-tags: every ABAC tag on every instance, with a value a session tag can equal."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError

from policies.rbac_guard.local import Resource, resource_violations

INSTANCE = "aws:ec2/instance:Instance"
BASELINE = {
    "ami": "ami-0123456789abcdef0",
    "instanceType": "t3.micro",
    "tags": {"Name": "website", "CostCenter": "marketing", "Project": "website"},
}


def violations(props: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    resource = Resource(INSTANCE, "rbac-instances-website", props)
    return resource_violations("instance-abac-tags", resource, config)


def with_tags(**tags: Any) -> dict[str, Any]:
    props = copy.deepcopy(BASELINE)
    props["tags"].update(tags)
    props["tags"] = {key: value for key, value in props["tags"].items() if value is not None}
    return props


def test_baseline_instance_is_compliant():
    assert violations(BASELINE) == []


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            with_tags(CostCenter=None),
            'Property "tags.CostCenter" is missing, so no session tag can match it.',
        ),
        (
            with_tags(Project=""),
            'Property "tags.Project" is empty, and a session tag value never is.',
        ),
        (
            with_tags(CostCenter="x" * 257),
            'Property "tags.CostCenter" is 257 characters long; a session tag value holds at '
            "most 256.",
        ),
        (
            with_tags(CostCenter="sales|ops"),
            "Property \"tags.CostCenter\" holds '|', which a session tag value cannot carry.",
        ),
        (with_tags(CostCenter=7), 'Property "tags.CostCenter" is not a string.'),
        (
            {**BASELINE, "tags": None},
            'Property "tags.CostCenter" is missing, so no session tag can match it.',
        ),
    ],
    ids=["missing", "empty", "too-long", "bad-character", "not-a-string", "no-tags"],
)
def test_each_bad_tag_is_reported(props: dict[str, Any], message: str):
    assert message in violations(props)


def test_session_tag_characters_of_any_script_are_accepted():
    assert violations(with_tags(CostCenter="Vertrieb Süd", Project="東京 a_b.c:d/e=f+g-h@i")) == []


def test_allow_list_limits_the_cost_center_only():
    config = {"allowedCostCenters": ["engineering"], "tagKeys": ["CostCenter", "Project"]}

    assert violations(BASELINE, config) == [
        'Property "tags.CostCenter" is "marketing", which is not an allowed cost center '
        "(engineering)."
    ]
    assert violations(with_tags(CostCenter="engineering"), config) == []


def test_configured_tag_keys_replace_the_defaults():
    assert violations(with_tags(Project=None), {"tagKeys": ["CostCenter"]}) == []
    assert violations(BASELINE, {"tagKeys": ["Team"]}) == [
        'Property "tags.Team" is missing, so no session tag can match it.'
    ]


def test_tags_unknown_during_preview_stop_the_policy_instead_of_passing():
    with pytest.raises(UnknownValueError):
        violations({**BASELINE, "tags": UNKNOWN_OBJECT_VALUE})


def test_other_resource_types_are_ignored():
    bucket = Resource("aws:s3/bucket:Bucket", "logs", {"tags": {}})
    assert resource_violations("instance-abac-tags", bucket) == []
