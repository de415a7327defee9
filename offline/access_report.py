"""The guide's test, offline: sign sample users in, then decide who may start and stop what.

Each sample user's login runs the stack's generated rule or Action in Node; the SAML attributes it
yields are checked as AWS would check them; the session tags then meet each instance's tags in the
IAM evaluator, over the policies attached to the federated role. Instances (and users) whose tags
agree on every tag key the policies mention get the same decision, so the evaluator is asked once
per distinct combination, not once per instance.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.auth0_scripts import PRINCIPAL_TAG_URI
from offline.mocks import ProgramRun, ResourceRecord
from offline.node_tools import (
    AccessRequest,
    Login,
    LoginResult,
    NamedPolicy,
    NodeToolError,
    NodeUnavailableError,
    decide,
    run_auth0,
)
from offline.saml_checks import check_saml_attributes

START, STOP, DESCRIBE = "ec2:StartInstances", "ec2:StopInstances", "ec2:DescribeInstances"
ACTIONS = (START, STOP, DESCRIBE)
AWS_APPLICATION = "aws"
# IAM reads condition-key names case-insensitively, so a policy may spell them in any case.
TAG_KEY_REFERENCE = re.compile(r"(?i:aws:PrincipalTag|ec2:ResourceTag|aws:ResourceTag)/([^\"}$]+)")


class SampleUserError(Exception):
    """A sample user in stack config is malformed; the message names the key path."""


@dataclass(frozen=True)
class Instance:
    name: str
    tags: Mapping[str, str]
    arn: str


@dataclass(frozen=True)
class LoginOutcome:
    """What Auth0 did with one sample user's login."""

    user: str
    outcome: str
    reason: str | None
    attributes: Mapping[str, Any]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessEntry:
    """One cell of the access matrix."""

    user: str
    instance: str
    action: str
    decision: str
    expected: str | None
    statement: str | None


@dataclass
class AccessResult:
    logins: list[LoginOutcome] = field(default_factory=list)
    entries: list[AccessEntry] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


def simulate(run: ProgramRun, users: Sequence[Mapping[str, Any]]) -> AccessResult:
    """Signs each user in with the stack's login code and decides access to every instance."""
    code_record = _login_code_record(run.records)
    client = _one(run.records, "auth0:index/client:Client")
    kind = "action" if code_record.type == "auth0:index/action:Action" else "rule"
    code = code_record.inputs["code" if kind == "action" else "script"]
    logins = [_login(user, client) for user in users]
    results = run_auth0(kind, code, logins)

    role = _one(run.records, "aws:iam/role:Role")
    provider_arn = _federated_principal(role)
    outcomes = [
        _outcome(user, result, role.outputs.get("arn"), provider_arn)
        for user, result in zip(users, results, strict=True)
    ]
    result = AccessResult(logins=outcomes)
    _decide_all(run.records, role, users, outcomes, result)
    result.unmet += _unmet_logins(users, outcomes)
    return result


def _one(records: Sequence[ResourceRecord], type_: str) -> ResourceRecord:
    matches = [record for record in records if record.type == type_]
    if len(matches) != 1:
        raise SampleUserError(f"the access check needs exactly one {type_}; found {len(matches)}")
    return matches[0]


def _login_code_record(records: Sequence[ResourceRecord]) -> ResourceRecord:
    for record in records:
        if record.type in ("auth0:index/rule:Rule", "auth0:index/action:Action"):
            return record
    raise SampleUserError("the stack has no Auth0 rule or Action to sign users in with")


def _login(user: Mapping[str, Any], client: ResourceRecord) -> Login:
    application = str(user.get("application", AWS_APPLICATION))
    # "aws" or the application's own name both mean the stack's AWS application.
    own = application.lower() in (AWS_APPLICATION, str(client.inputs.get("name", "")).lower())
    client_id = client.outputs["clientId"] if own else "other-" + _digest(application)[:26]
    profile = {
        "user_id": "auth0|" + _digest(str(user.get("name")))[:24],
        "name": user.get("name"),
        "email": user.get("email"),
        "app_metadata": user.get("app_metadata", {}),
        "user_metadata": user.get("user_metadata", {}),
    }
    return Login(
        user=profile,
        clientId=client_id,
        clientName=client.inputs.get("name", "") if own else application,
        protocol="samlp",
        addonMappings=client.inputs.get("addons", {}).get("samlp", {}).get("mappings", {}),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _federated_principal(role: ResourceRecord) -> str | None:
    trust = json.loads(role.inputs.get("assumeRolePolicy", "{}"))
    for statement in trust.get("Statement", []):
        federated = statement.get("Principal", {}).get("Federated")
        if isinstance(federated, str):
            return federated
    return None


def _outcome(
    user: Mapping[str, Any], result: LoginResult, role_arn: str | None, provider_arn: str | None
) -> LoginOutcome:
    problems: tuple[str, ...] = ()
    if result.outcome == "issued":
        problems = tuple(check_saml_attributes(result.attributes, role_arn, provider_arn))
    return LoginOutcome(
        str(user.get("name")), result.outcome, result.reason, result.attributes, problems
    )


def _attached_policies(records: Sequence[ResourceRecord], role: ResourceRecord) -> list[dict]:
    role_name = role.inputs.get("name")
    attached = {
        r.inputs.get("policyArn")
        for r in records
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        and r.inputs.get("role") == role_name
    }
    return [
        json.loads(r.inputs["policy"])
        for r in records
        if r.type == "aws:iam/policy:Policy" and r.outputs.get("arn") in attached
    ]


def _instances(records: Sequence[ResourceRecord]) -> list[Instance]:
    found = [
        Instance(r.inputs["tags"].get("Name", r.name), r.inputs["tags"], r.outputs["arn"])
        for r in records
        if r.type == "aws:ec2/instance:Instance"
    ]
    return sorted(found, key=lambda instance: instance.name)


def _principal_tags(attributes: Mapping[str, Any]) -> dict[str, str]:
    return {
        uri[len(PRINCIPAL_TAG_URI) :]: str(value)
        for uri, value in attributes.items()
        if uri.startswith(PRINCIPAL_TAG_URI)
    }


def _session_arn(role_arn: str) -> str:
    """A session of the federated role, in the role's own account and partition.

    The caller must be in the instances' account: a principal of another account would need a
    resource policy as well, which EC2 instances do not have.
    """
    partition, account, name = _role_arn_parts(role_arn)
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/sample-user"


def _role_arn_parts(role_arn: str) -> tuple[str, str, str]:
    # arn:<partition>:iam::<account>:role/<path/>name
    _, partition, _, _, account, resource = role_arn.split(":", 5)
    return partition, account, resource.rsplit("/", 1)[-1]


def _decide_all(
    records: Sequence[ResourceRecord],
    role: ResourceRecord,
    users: Sequence[Mapping[str, Any]],
    outcomes: Sequence[LoginOutcome],
    result: AccessResult,
) -> None:
    documents = _attached_policies(records, role)
    keys = sorted(set(TAG_KEY_REFERENCE.findall(json.dumps(documents))))
    instances = [(instance, _instance_key(instance, keys)) for instance in _instances(records)]
    signed_in = [
        (user, outcome, _principal_key(outcome, keys))
        for user, outcome in zip(users, outcomes, strict=True)
        if outcome.outcome == "issued"
    ]
    cells: dict[tuple, tuple[LoginOutcome, Instance, str]] = {}
    for _, outcome, principal in signed_in:
        for instance, place in instances:
            for action in ACTIONS:
                cells.setdefault(_cell(principal, place, action), (outcome, instance, action))

    requests = [_request(n, o, i, a, keys) for n, (o, i, a) in enumerate(cells.values())]
    policies = [NamedPolicy(f"policy{n + 1}", doc) for n, doc in enumerate(documents)]
    caller = _session_arn(str(role.outputs.get("arn", "")))
    decided = dict(zip(cells, decide(policies, requests, caller), strict=True)) if requests else {}
    for user, outcome, principal in signed_in:
        for instance, place in instances:
            for action in ACTIONS:
                decision = decided[_cell(principal, place, action)]
                _record(result, user, outcome, instance, action, decision)


def _principal_key(outcome: LoginOutcome, keys: Sequence[str]) -> tuple:
    tags = _principal_tags(outcome.attributes)
    return tuple(tags.get(key) for key in keys)


def _instance_key(instance: Instance, keys: Sequence[str]) -> tuple:
    # The ARN without the instance id: the policies name instances only by pattern here.
    return (instance.arn.rsplit("/", 1)[0], *(instance.tags.get(key) for key in keys))


def _cell(principal: tuple, place: tuple, action: str) -> tuple:
    # DescribeInstances has no resource to carry tags, so only the ARN's account and region count.
    return (principal, place[:1] if action == DESCRIBE else place, action)


def _request(
    index: int, outcome: LoginOutcome, instance: Instance, action: str, keys: Sequence[str]
) -> AccessRequest:
    """The request for one cell, carrying only the tags the policies mention, as the cell key."""
    session_tags = _principal_tags(outcome.attributes)
    context = {f"aws:PrincipalTag/{k}": session_tags[k] for k in keys if k in session_tags}
    if action != DESCRIBE:
        for key in (k for k in keys if k in instance.tags):
            context[f"ec2:ResourceTag/{key}"] = instance.tags[key]
            context[f"aws:ResourceTag/{key}"] = instance.tags[key]
    return AccessRequest(f"r{index}", action, instance.arn, context)


def _record(
    result: AccessResult,
    user: Mapping[str, Any],
    outcome: LoginOutcome,
    instance: Instance,
    action: str,
    decision: Any,
) -> None:
    expected = _expected(user.get("expect", {}), instance.name, action)
    verdict = "allow" if decision.decision == "allow" else "deny"
    entry = AccessEntry(outcome.user, instance.name, action, verdict, expected, decision.statement)
    result.entries.append(entry)
    if expected is not None and expected != verdict:
        result.unmet.append(
            f"{outcome.user}: {action} on {instance.name} is {verdict}, expected {expected}"
        )


def _expected(expect: Mapping[str, Any], instance: str, action: str) -> str | None:
    if action not in (START, STOP):
        return None
    if instance in expect.get("canStartStop", []):
        return "allow"
    if instance in expect.get("cannotStartStop", []):
        return "deny"
    return None


def _unmet_logins(
    users: Sequence[Mapping[str, Any]], outcomes: Sequence[LoginOutcome]
) -> list[str]:
    unmet = []
    for user, outcome in zip(users, outcomes, strict=True):
        expect = user.get("expect", {})
        wanted = _wanted_outcome(expect)
        if wanted != outcome.outcome:
            why = f" ({outcome.reason})" if outcome.reason else ""
            unmet.append(f"{outcome.user}: login {outcome.outcome}{why}, expected {wanted}")
        for problem in outcome.problems:
            unmet.append(f"{outcome.user}: AWS would reject the assertion: {problem}")
    return unmet


def _wanted_outcome(expect: Mapping[str, Any]) -> str:
    if expect.get("loginRefused"):
        return "refused"
    if expect.get("untouched"):
        return "untouched"
    return "issued"


def matrix_text(result: AccessResult) -> str:
    """Users by instances: start/stop decisions and the statement that decided."""
    lines = []
    for login in result.logins:
        detail = f" ({login.reason})" if login.reason else ""
        lines.append(f"{login.user}: login {login.outcome}{detail}")
        tags = _principal_tags(login.attributes)
        if tags:
            lines.append("  session tags: " + ", ".join(f"{k}={v}" for k, v in tags.items()))
        for entry in (e for e in result.entries if e.user == login.user and e.action != DESCRIBE):
            mark = (
                ""
                if entry.expected in (None, entry.decision)
                else "   <-- expected " + str(entry.expected)
            )
            lines.append(
                f"  {entry.action.split(':')[1]:<15} {entry.instance:<24} {entry.decision:<6}"
                f" by {entry.statement or 'no statement (implicit deny)'}{mark}"
            )
    return "\n".join(lines)


def markdown(result: AccessResult) -> str:
    """The access matrix as a Markdown table, for a pull-request comment."""
    instances = list(dict.fromkeys(e.instance for e in result.entries))
    rows = ["| user | login | " + " | ".join(instances) + " |"]
    rows.append("| --- | --- |" + " --- |" * len(instances))
    for login in result.logins:
        cells = [_markdown_cell(result, login.user, name) for name in instances]
        rows.append(f"| {login.user} | {login.outcome} | " + " | ".join(cells) + " |")
    if result.unmet:
        rows += ["", "**Unmet expectations:**", *(f"- {line}" for line in result.unmet)]
    return "\n".join(rows)


def _markdown_cell(result: AccessResult, user: str, instance: str) -> str:
    decisions = [
        e.decision
        for e in result.entries
        if (e.user, e.instance) == (user, instance) and e.action in (START, STOP)
    ]
    if not decisions:
        return "-"
    return (
        "start/stop"
        if set(decisions) == {"allow"}
        else "no"
        if "allow" not in decisions
        else "partial"
    )


def extend(run: ProgramRun, report: Any) -> None:
    """Adds the login outcomes and the access matrix to the preview; unmet expectations fail it."""
    users = list(run_settings_users(run))
    if not users:
        return
    try:
        result = simulate(run, users)
    except (SampleUserError, NodeToolError) as error:
        report.sections.append(("Access (sample users)", f"could not run: {error}"))
        report.document["access"] = None
        # Without Node the rest of the preview still stands; any other failure leaves the
        # expectations unchecked, which must not look like a pass.
        report.failed = report.failed or not isinstance(error, NodeUnavailableError)
        return
    report.sections.append(("Access (sample users)", matrix_text(result)))
    report.markdown.append(markdown(result))
    report.document["logins"] = [
        {"user": o.user, "outcome": o.outcome, "reason": o.reason, "attributes": dict(o.attributes)}
        for o in result.logins
    ]
    report.document["access"] = [
        {
            "user": e.user,
            "instance": e.instance,
            "action": e.action,
            "decision": e.decision,
            "expected": e.expected,
        }
        for e in result.entries
    ]
    if result.unmet:
        report.sections.append(("Unmet access expectations", "\n".join(result.unmet)))
        report.failed = True


def run_settings_users(run: ProgramRun) -> list[Mapping[str, Any]]:
    raw = run.config.values.get(f"{run.config.project}:sampleUsers", "[]")
    users = json.loads(raw) if isinstance(raw, str) else raw
    return [user for user in users if isinstance(user, dict)]
