"""Python side of the two Node helpers: the Auth0 login sandbox and the IAM decision engine.

Each call starts one Node process for a whole batch, writes one JSON request to its stdin and
reads one JSON answer from its stdout. Node is a separate process on purpose: the IAM engine
(`@cloud-copilot/iam-simulate`) is AGPL-licensed and stays out of this program's address space,
and Auth0 code only ever runs in the sandbox's `vm` context.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_SCRIPT = ROOT / "policies" / "auth0_sandbox.js"
NODE_PROJECT = ROOT / "offline" / "node"
DECIDE_SCRIPT = NODE_PROJECT / "decide.js"
LOCK_FILE = NODE_PROJECT / "package-lock.json"
INSTALL_STAMP = NODE_PROJECT / "node_modules" / ".package-lock.sha256"
MIN_NODE_MAJOR = 18
INSTALL_TIMEOUT_S = 300
BATCH_TIMEOUT_S = 60
LOGIN_TIMEOUT_MS = 250

Outcome = Literal["issued", "refused", "untouched", "error"]
AttributeValue = str | list[str]


class NodeToolError(Exception):
    """A Node helper failed or answered with something other than its documented JSON."""


class NodeUnavailableError(NodeToolError):
    """No usable Node.js (or npm) is on PATH."""


class Login(TypedDict, total=False):
    """One login to simulate: the Auth0 user profile, the application and its addon mappings."""

    user: dict[str, Any]
    clientId: str
    clientName: str
    protocol: str
    addonMappings: dict[str, str]
    connection: str


@dataclass(frozen=True)
class LoginResult:
    """What Auth0 would do with one login: the outcome and the SAML attributes it would send."""

    outcome: Outcome
    reason: str | None
    attributes: Mapping[str, AttributeValue]
    duration_ms: float
    logs: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedPolicy:
    """An identity policy attached to the role, under the name decisions refer to."""

    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class AccessRequest:
    """One API call to decide: the action, the resource ARN and the request's condition keys."""

    id: str
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """IAM's answer to one request and the statement that decided it (None for implicit deny)."""

    id: str
    decision: Literal["allow", "deny"]
    explicit: bool
    statement: str | None
    resource: str
    ignored_context_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


@functools.cache
def find_node() -> str:
    """Path of a Node.js 18 or newer, or NodeUnavailableError saying how to install one."""
    node = shutil.which("node")
    if node is None:
        raise NodeUnavailableError(_install_hint("no `node` was found on PATH"))

    version = _node_version(node)
    if version < MIN_NODE_MAJOR:
        raise NodeUnavailableError(_install_hint(f"{node} is version {version}"))
    return node


def _install_hint(found: str) -> str:
    return (
        f"Node.js {MIN_NODE_MAJOR}+ is needed for the offline Auth0 login simulation and IAM "
        f"decisions, but {found}; install it with your package manager "
        "(for example `apt-get install nodejs npm`)."
    )


def _node_version(node: str) -> int:
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.match(r"v(\d+)\.", completed.stdout.strip())
    return int(match.group(1)) if match else 0


def ensure_node_modules() -> None:
    """Install the IAM engine with `npm ci` unless node_modules already matches the lock file."""
    wanted = _lock_hash()
    if INSTALL_STAMP.is_file() and INSTALL_STAMP.read_text().strip() == wanted:
        return

    find_node()
    npm = shutil.which("npm")
    if npm is None:
        raise NodeUnavailableError(_install_hint("no `npm` was found on PATH"))
    command = [npm, "ci", "--prefix", str(NODE_PROJECT), "--no-audit", "--no-fund"]
    completed = _run(command, None, INSTALL_TIMEOUT_S)
    if completed.returncode != 0:
        raise NodeToolError(f"`{' '.join(command)}` failed:\n{_tail(completed.stderr)}")
    INSTALL_STAMP.write_text(wanted + "\n")


def _lock_hash() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def run_auth0(
    kind: Literal["rule", "action"],
    code: str,
    logins: Sequence[Login],
    secrets: Mapping[str, str] | None = None,
    timeout_ms: int = LOGIN_TIMEOUT_MS,
) -> list[LoginResult]:
    """Run Auth0 rule or post-login Action code once per login, all in one Node process."""
    request = {
        "kind": kind,
        "code": code,
        "secrets": dict(secrets or {}),
        "logins": list(logins),
        "timeoutMs": timeout_ms,
    }
    budget_s = BATCH_TIMEOUT_S + len(logins) * timeout_ms / 1000
    answer = _call_node(SANDBOX_SCRIPT, request, budget_s)
    return [_login_result(item) for item in _answer_list(answer, "results", len(logins))]


def _login_result(item: Mapping[str, Any]) -> LoginResult:
    return LoginResult(
        outcome=item["outcome"],
        reason=item["reason"],
        attributes=item["attributes"],
        duration_ms=float(item["durationMs"]),
        logs=tuple(item.get("logs", ())),
    )


def decide(
    policies: Sequence[NamedPolicy],
    requests: Sequence[AccessRequest],
    principal: str | None = None,
) -> list[Decision]:
    """Decide every request against the role's identity policies, in one Node process.

    `principal` is the ARN of the caller, by default an assumed-role session of
    AccessByCostCenter in account 111122223333.
    """
    ensure_node_modules()
    payload: dict[str, Any] = {
        "policies": [{"name": p.name, "document": p.document} for p in policies],
        "requests": [_request_json(request) for request in requests],
    }
    if principal is not None:
        payload["principal"] = principal
    answer = _call_node(DECIDE_SCRIPT, payload, BATCH_TIMEOUT_S + len(requests) * 0.05)
    return [_decision(item) for item in _answer_list(answer, "decisions", len(requests))]


def _request_json(request: AccessRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "action": request.action,
        "resource": request.resource,
        "context": dict(request.context),
    }


def _decision(item: Mapping[str, Any]) -> Decision:
    return Decision(
        id=item["id"],
        decision=item["decision"],
        explicit=bool(item["explicit"]),
        statement=item["statement"],
        resource=item["resource"],
        ignored_context_keys=tuple(item.get("ignoredContextKeys", ())),
    )


def _call_node(script: Path, request: Mapping[str, Any], timeout_s: float) -> Any:
    completed = _run([find_node(), str(script)], json.dumps(request), timeout_s)
    if completed.returncode != 0:
        raise NodeToolError(
            f"{script.name} exited with status {completed.returncode}:\n{_tail(completed.stderr)}"
        )

    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise NodeToolError(f"{script.name} did not answer with JSON: {error}") from error


def _run(command: list[str], stdin: str | None, timeout_s: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=NODE_PROJECT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise NodeToolError(f"`{command[-1]}` did not finish within {timeout_s:.0f} s") from error


def _answer_list(answer: Any, key: str, expected: int) -> list[Mapping[str, Any]]:
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list) or len(items) != expected:
        raise NodeToolError(f"expected {expected} {key} from Node, got {answer!r:.300}")
    return items


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
