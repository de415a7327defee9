"""offline/analyzer.py against the real policy pack process, over gRPC, on the stacks' records."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE

from offline import analyzer
from offline.mocks import ResourceRecord, run_program

ROOT = Path(__file__).resolve().parent.parent
RESOURCE_POLICIES = [
    "instance-abac-tags",
    "saml-trust-policy",
    "abac-start-stop-conditions",
    "federated-role-tags",
    "auth0-saml-client",
    "auth0-login-scoped-to-client",
    "auth0-rules-end-of-life",
]
STACK_POLICIES = ["federated-role-tag-contract", "auth0-tag-contract"]
END_OF_LIFE = (
    'Property "script" is an Auth0 Rule, and Rules reached end of life on 2026-11-18; move it to '
    "a post-login Action."
)


@pytest.fixture(scope="module")
def dev_records() -> list[ResourceRecord]:
    run = run_program("dev")
    assert run.error is None
    return run.records


def urn_of(records: list[ResourceRecord], name: str) -> str:
    return next(record.urn for record in records if record.name == name)


def test_pack_info_lists_every_policy_with_its_level(dev_records: list[ResourceRecord]):
    report = analyzer.analyze(dev_records)

    assert (report.pack.name, report.pack.version) == ("rbac-cost-center-guard", "0.1.0")
    assert [policy.name for policy in report.pack.policies] == RESOURCE_POLICIES + STACK_POLICIES
    assert {policy.name: policy.policy_type for policy in report.pack.policies} == {
        **dict.fromkeys(RESOURCE_POLICIES, "resource"),
        **dict.fromkeys(STACK_POLICIES, "stack"),
    }
    levels = {policy.name: policy.enforcement_level for policy in report.pack.policies}
    assert levels.pop("auth0-rules-end-of-life") == "advisory"
    assert set(levels.values()) == {"mandatory"}


def test_dev_stack_has_only_the_rules_notice(dev_records: list[ResourceRecord]):
    report = analyzer.analyze(dev_records)

    assert report.violations == (
        analyzer.Violation(
            "auth0-rules-end-of-life",
            "advisory",
            urn_of(dev_records, "rbac-login-rule"),
            END_OF_LIFE,
        ),
    )
    assert report.mandatory == []


def test_action_stack_is_clean():
    run = run_program("dev-action")
    assert analyzer.analyze(run.records).violations == ()


def test_config_sets_levels_and_properties_over_the_schema_defaults(
    dev_records: list[ResourceRecord],
):
    config = {
        "instance-abac-tags": {"allowedCostCenters": ["engineering"]},
        "auth0-rules-end-of-life": "disabled",
    }
    report = analyzer.analyze(dev_records, config)

    assert report.by_resource() == {
        urn_of(dev_records, f"rbac-instances-{name}"): [
            analyzer.Violation(
                "instance-abac-tags",
                "mandatory",
                urn_of(dev_records, f"rbac-instances-{name}"),
                'Property "tags.CostCenter" is "marketing", which is not an allowed cost center '
                "(engineering).",
            )
        ]
        for name in ("website", "community_site")
    }


def test_all_sets_every_level(dev_records: list[ResourceRecord]):
    config = {"all": "advisory", "instance-abac-tags": {"allowedCostCenters": ["engineering"]}}
    levels = {violation.level for violation in analyzer.analyze(dev_records, config).violations}
    assert levels == {"advisory"}


def test_the_example_config_file_keeps_the_dev_stack_clean(dev_records: list[ResourceRecord]):
    config = analyzer.load_policy_config(ROOT / "policies" / "config.example.json")
    assert analyzer.analyze(dev_records, config).mandatory == []


def test_a_config_naming_no_policy_of_the_pack_is_refused(dev_records: list[ResourceRecord]):
    with pytest.raises(analyzer.AnalyzerError, match="names no policy of the pack: no-such-policy"):
        analyzer.analyze(dev_records, {"no-such-policy": "mandatory"})


def test_a_value_unknown_during_preview_is_reported_not_passed(dev_records: list[ResourceRecord]):
    records = list(dev_records)
    index = next(i for i, record in enumerate(records) if record.name == "rbac-instances-website")
    inputs = struct_pb2.Struct()
    inputs.update({**records[index].inputs, "tags": UNKNOWN_OBJECT_VALUE})
    records[index] = dataclasses.replace(records[index], raw_inputs=inputs)

    found = [v for v in analyzer.analyze(records).violations if v.policy == "instance-abac-tags"]

    assert found == [
        analyzer.Violation(
            "instance-abac-tags",
            "advisory",
            records[index].urn,
            # The SDK names its own version (0.0.1), not the one PulumiPolicy.yaml declares.
            "can't run policy 'instance-abac-tags' from policy pack "
            "'rbac-cost-center-guard@v0.0.1' during preview: Object value at .tags can't be known "
            "during preview",
        )
    ]


def test_the_pack_process_is_stopped_even_when_the_caller_fails():
    pids = []
    with pytest.raises(RuntimeError, match="caller failed"), analyzer.PolicyPackProcess() as pack:
        pids.append(pack.pid)
        assert pack.info().name == "rbac-cost-center-guard"
        raise RuntimeError("caller failed")

    assert pack.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_a_pack_that_cannot_start_is_reported(tmp_path: Path):
    (tmp_path / "__main__.py").write_text("raise SystemExit('no policies here')\n")
    with pytest.raises(analyzer.AnalyzerError, match="printed no port: no policies here"):
        analyzer.analyze([], pack_dir=tmp_path)


def test_a_thousand_instances_are_analyzed_with_only_the_rules_advisory():
    overrides = {
        "rbac-cost-center:instances": "["
        + ",".join(
            f'{{"name": "vm{i:04d}", "tags": {{"CostCenter": "cc{i % 50:02d}", "Project": "p"}}}}'
            for i in range(1000)
        )
        + "]",
        "rbac-cost-center:sampleUsers": "[]",
    }
    records = run_program("dev", overrides).records
    with analyzer.PolicyPackProcess() as pack:
        pack.configure(analyzer.policy_config_request(pack.info(), {}))
        violations = pack.analyze(records) + pack.analyze_stack(records)

    # Its speed is measured by `make bench`, not here.
    assert len(records) > 1000
    assert [violation.policy for violation in violations] == ["auth0-rules-end-of-life"]
