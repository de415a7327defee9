"""The policy pack's verdict in the preview: the stack's resources analyzed as the engine does.

The pack is configured from the stack itself (its session-tag keys, access key and sign-in URLs),
the same settings `pulumi preview --policy-pack policies --policy-pack-config <file>` would read
from the file `python -m offline.policy_report --stack <name>` prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from components.settings import Settings, parse_settings
from offline.analyzer import AnalysisReport, AnalyzerError, analyze
from offline.mocks import ProgramRun, run_program


def pack_config(settings: Settings) -> dict[str, Any]:
    """Policy config that holds the pack to this stack's tag contract."""
    keys = list(settings.session_tag_keys)
    probe = {
        "tagKeys": keys,
        "tagAttributes": {tag.key: tag.attribute for tag in settings.session_tags},
        "sessionNameAttribute": settings.session_name_attribute,
    }
    return {
        "instance-abac-tags": {"tagKeys": keys, "costCenterTagKey": settings.access_tag_key},
        "saml-trust-policy": {
            "sessionTagKeys": keys,
            "allowedAudiences": list(settings.signin_urls),
        },
        "abac-start-stop-conditions": {"accessTagKeys": [settings.access_tag_key]},
        "federated-role-tags": {"tagKeys": keys},
        "auth0-login-scoped-to-client": probe,
        "auth0-tag-contract": probe,
    }


def stack_settings(run: ProgramRun) -> Settings:
    secret_keys = set(run.config.secret_keys)
    return parse_settings(run.config.values, run.config.stack, secret_keys.__contains__)


def verdict_text(report: AnalysisReport, names: dict[str, str]) -> str:
    """Violations grouped by resource, the stack-wide ones first."""
    header = f"pack {report.pack.name}@{report.pack.version}, {len(report.pack.policies)} policies"
    if not report.violations:
        return header + "\nno violations"
    lines = [header]
    for urn, violations in sorted(report.by_resource().items()):
        lines.append(names.get(urn, "stack") if urn else "stack")
        for violation in violations:
            message = violation.message.replace("\n", " ")
            lines.append(f"  [{violation.level}] {violation.policy}: {message}")
    return "\n".join(lines)


def extend(run: ProgramRun, report: Any) -> None:
    """Adds the policy section; a mandatory violation or a pack that cannot run fails it."""
    try:
        analysis = analyze(run.records, pack_config(stack_settings(run)))
    except AnalyzerError as error:
        report.sections.append(("Policies", f"the policy pack could not run: {error}"))
        report.document["policies"] = None
        report.failed = True
        return
    names = {record.urn: f"{record.name} ({record.type})" for record in run.records}
    report.sections.append(("Policies", verdict_text(analysis, names)))
    report.document["policies"] = [
        {"policy": v.policy, "level": v.level, "urn": v.urn, "message": v.message}
        for v in analysis.violations
    ]
    if analysis.mandatory:
        report.failed = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the policy-pack config for a stack.")
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args(argv)
    run = run_program(args.stack)
    if run.error is not None:
        print(f"error: {run.error}", file=sys.stderr)
        return 2
    print(json.dumps(pack_config(stack_settings(run)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
