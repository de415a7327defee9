"""Runs Auth0 rule or Action code on sample logins in the pack's Node sandbox (auth0_sandbox.js)."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SANDBOX_SCRIPT = Path(__file__).resolve().parent.parent / "auth0_sandbox.js"
BATCH_TIMEOUT_S = 30


class SandboxUnavailableError(RuntimeError):
    """The code could not be run, so nothing can be said about how it behaves."""


@dataclass(frozen=True)
class LoginOutcome:
    """What the code did with one login, and the SAML attributes Auth0 would then send."""

    outcome: str
    reason: str
    attributes: Mapping[str, Any]


def run_logins(
    kind: str, code: str, logins: Sequence[Mapping[str, Any]], secrets: Mapping[str, str]
) -> tuple[LoginOutcome, ...]:
    """One outcome per login; the same request is answered from memory for the rest of the run."""
    request = {"kind": kind, "code": code, "secrets": dict(secrets), "logins": list(logins)}
    return _run(json.dumps(request, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _run(request: str) -> tuple[LoginOutcome, ...]:
    # Failures raise, and lru_cache keeps no exception, so a later analysis tries again.
    node = shutil.which("node")
    if node is None:
        raise SandboxUnavailableError("Node.js was not found on PATH")
    if not SANDBOX_SCRIPT.is_file():
        raise SandboxUnavailableError(f"{SANDBOX_SCRIPT.name} is missing from the policy pack")

    completed = _call(node, request)
    try:
        results = json.loads(completed)["results"]
    except (ValueError, KeyError, TypeError) as error:
        raise SandboxUnavailableError(
            "the Auth0 sandbox answered with something other than JSON"
        ) from error
    return tuple(_outcome(result) for result in results)


def _call(node: str, request: str) -> str:
    try:
        completed = subprocess.run(
            [node, str(SANDBOX_SCRIPT)],
            input=request,
            capture_output=True,
            text=True,
            timeout=BATCH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SandboxUnavailableError(f"the Auth0 sandbox ran over {BATCH_TIMEOUT_S} s") from error
    except OSError as error:
        raise SandboxUnavailableError(f"Node.js could not be started ({error.strerror})") from error
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()[-1:] or [f"exit {completed.returncode}"]
        raise SandboxUnavailableError(f"the Auth0 sandbox failed: {detail[0]}")
    return completed.stdout


def _outcome(result: Mapping[str, Any]) -> LoginOutcome:
    attributes = result.get("attributes")
    return LoginOutcome(
        outcome=str(result.get("outcome")),
        reason=str(result.get("reason") or ""),
        attributes=attributes if isinstance(attributes, Mapping) else {},
    )
