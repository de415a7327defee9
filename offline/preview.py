"""`make preview`: the offline counterpart of `pulumi preview` for one stack.

Runs the real program on the stack's config under Pulumi's mock runtime, then prints the plan as a
tree and what a reviewer must read; `--json` prints one JSON document and nothing else, and
`--markdown` only the access matrix as a Markdown table for a pull-request comment.
Exit codes: 0 clean, 1 a check failed (mandatory policy violation, unmet access expectation),
2 invalid stack configuration or stack file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from offline.mocks import ProgramRun, ResourceRecord, run_program
from offline.stack_config import StackFileError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_CONFIG = 0, 1, 2
STACK_TYPE = "pulumi:pulumi:Stack"
NO_MATRIX = "_No access matrix: the stack has no sample users, or they could not be signed in._"


@dataclass
class Report:
    """What the preview prints: text sections, JSON keys and whether a check failed."""

    document: dict[str, Any]
    sections: list[tuple[str, str]] = field(default_factory=list)
    failed: bool = False
    markdown: list[str] = field(default_factory=list)  # blocks for a pull-request comment


Extension = Callable[[ProgramRun, Report], None]


def resource_entries(run: ProgramRun) -> list[dict[str, Any]]:
    """The registered resources in tree order, inputs as the engine sees them."""
    return [
        {
            "urn": record.urn,
            "type": record.type,
            "name": record.name,
            "parent": record.parent,
            "inputs": normalise(record.inputs),
        }
        for record in tree_order(run.records)
    ]


def tree_order(records: list[ResourceRecord]) -> list[ResourceRecord]:
    """Parents before children, siblings by name, whatever order registration finished in."""
    children: dict[str, list[ResourceRecord]] = {}
    urns = {record.urn for record in records}
    for record in records:
        parent = record.parent if record.parent in urns else ""
        children.setdefault(parent, []).append(record)
    ordered: list[ResourceRecord] = []
    pending = sorted(children.get("", []), key=lambda r: r.name, reverse=True)
    while pending:
        record = pending.pop()
        ordered.append(record)
        pending.extend(sorted(children.get(record.urn, []), key=lambda r: r.name, reverse=True))
    return ordered


def normalise(value: Any) -> Any:
    """Protobuf hands numbers over as floats; whole numbers print as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: normalise(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


def plan_tree(run: ProgramRun) -> str:
    """The resource tree shaped like `pulumi preview`: type, name, plan."""
    stack_name = f"{run.config.project}-{run.config.stack}"
    rows = [(STACK_TYPE, stack_name, "create")]
    rows += [(prefix + r.type, r.name, _plan(r)) for prefix, r in _branches(run.records)]
    width = max(len(row[0]) for row in rows) + 2
    name_width = max(len(row[1]) for row in rows) + 2
    lines = [f"     {'Type':<{width}}{'Name':<{name_width}}Plan"]
    lines += [f" +   {kind:<{width}}{name:<{name_width}}{plan}" for kind, name, plan in rows]
    lines += ["", "Resources:", f"    + {len(rows)} to create"]
    return "\n".join(lines)


def _branches(records: list[ResourceRecord]) -> list[tuple[str, ResourceRecord]]:
    """Each record with the tree-drawing prefix that places it under its parent."""
    ordered = tree_order(records)
    last_child = {r.parent: r.urn for r in ordered}
    result: list[tuple[str, ResourceRecord]] = []
    guides: dict[str, str] = {"": ""}
    for record in ordered:
        parent = record.parent if record.parent in guides else ""
        is_last = last_child.get(record.parent) == record.urn
        result.append((guides[parent] + ("└─ " if is_last else "├─ "), record))
        guides[record.urn] = guides[parent] + ("   " if is_last else "│  ")
    return result


def _plan(record: ResourceRecord) -> str:
    return "create (protected)" if record.protect else "create"


def review_sections(run: ProgramRun) -> list[tuple[str, str]]:
    """What a reviewer must read: tags, trust and ABAC policies, login code, SAML settings."""
    sections: list[tuple[str, str]] = []
    records = sorted(tree_order(run.records), key=lambda r: _REVIEW_ORDER.get(r.type, 99))
    instances = [r for r in records if r.type == "aws:ec2/instance:Instance"]
    sections.append(("Instance tags", "\n".join(_instance_line(r) for r in instances)))
    for record in records:
        sections.extend(_documents_of(record))
    sections.append(("Stack outputs", json.dumps(run.outputs, indent=2)))
    return sections


_REVIEW_ORDER = {
    "aws:iam/role:Role": 1,
    "aws:iam/policy:Policy": 2,
    "auth0:index/client:Client": 3,
    "auth0:index/rule:Rule": 4,
    "auth0:index/action:Action": 4,
}


def _instance_line(record: ResourceRecord) -> str:
    tags = record.inputs.get("tags", {})
    shown = "  ".join(f"{key}={tags[key]}" for key in sorted(tags))
    return f"{record.name}: {record.inputs.get('instanceType')}  {shown}"


def _documents_of(record: ResourceRecord) -> list[tuple[str, str]]:
    inputs = record.inputs
    name = inputs.get("name", record.name)
    if record.type == "aws:iam/role:Role":
        return [(f"Trust policy of role {name}", _pretty_json(inputs.get("assumeRolePolicy")))]
    if record.type == "aws:iam/policy:Policy":
        return [(f"ABAC policy {name}", _pretty_json(inputs.get("policy")))]
    if record.type == "auth0:index/rule:Rule":
        return [(f"Auth0 rule {name}", str(inputs.get("script", "")))]
    if record.type == "auth0:index/action:Action":
        return [(f"Auth0 post-login Action {name}", str(inputs.get("code", "")))]
    if record.type == "auth0:index/client:Client":
        samlp = normalise(inputs.get("addons", {}).get("samlp", {}))
        return [(f"SAML addon of Auth0 application {name}", json.dumps(samlp, indent=2))]
    return []


def _pretty_json(text: Any) -> str:
    try:
        return json.dumps(json.loads(str(text)), indent=2)
    except json.JSONDecodeError:
        return str(text)


def _extensions() -> list[Extension]:
    """Checks that run after the program: the policy pack, then the access matrix."""
    found: list[Extension] = []
    for module_name in ("offline.policy_report", "offline.access_report"):
        try:
            module = __import__(module_name, fromlist=["extend"])
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue
        found.append(module.extend)
    return found


def build_report(run: ProgramRun) -> Report:
    document = {"stack": run.config.stack, "resources": resource_entries(run)}
    document["outputs"] = normalise(run.outputs)
    report = Report(document, [("Plan", plan_tree(run)), *review_sections(run)])
    for extend in _extensions():
        extend(run, report)
    return report


def render_text(report: Report, stack: str) -> str:
    header = f"Previewing stack '{stack}' offline (Pulumi mock runtime; nothing is created)"
    parts = [header]
    for title, body in report.sections:
        parts += ["", f"== {title}", body]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document")
    output.add_argument(
        "--markdown", action="store_true", help="print the access matrix as Markdown for a PR"
    )
    args = parser.parse_args(argv)

    try:
        run = run_program(args.stack)
    except StackFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    if run.error is not None:
        print(f"error: {run.error}", file=sys.stderr)
        print("Nothing was registered.", file=sys.stderr)
        return EXIT_BAD_CONFIG
    report = build_report(run)
    if args.json:
        text = json.dumps(report.document, indent=2) + "\n"
    elif args.markdown:
        text = "\n\n".join(report.markdown or [NO_MATRIX]) + "\n"
    else:
        text = render_text(report, args.stack)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (for example `head`) stopped early; that is not an error of the preview.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_CHECK_FAILED if report.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
