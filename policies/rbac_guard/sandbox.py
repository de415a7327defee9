"""Runs Auth0 rule or Action code on sample logins in the pack's Node sandbox (auth0_sandbox.js)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import select
import shutil
import subprocess
import threading
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


class _Worker:
    """One long-lived `node auth0_sandbox.js --serve`: a request per line, an answer per line.

    Starting Node costs about 0.1 s; a pack that probes rule and Action code on every analysis
    pays it once per process instead of once per probe.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        # The pack serves gRPC calls on several threads; one request and answer at a time.
        self._lock = threading.Lock()

    def ask(self, node: str, request: str) -> str:
        with self._lock:
            return self._ask(node, request)

    def _ask(self, node: str, request: str) -> str:
        process = self._running(node)
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(request.replace("\n", " ") + "\n")
            process.stdin.flush()
        except OSError as error:
            self.stop()
            raise SandboxUnavailableError(f"the Auth0 sandbox stopped ({error})") from error
        ready, _, _ = select.select([process.stdout], [], [], BATCH_TIMEOUT_S)
        line = process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise SandboxUnavailableError(
                f"the Auth0 sandbox gave no answer in {BATCH_TIMEOUT_S} s"
            )
        return line

    def _running(self, node: str) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen(
                    [node, str(SANDBOX_SCRIPT), "--serve"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            except OSError as error:
                message = f"Node.js could not be started ({error.strerror})"
                raise SandboxUnavailableError(message) from error
        return self._process

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


_WORKER = _Worker()
atexit.register(_WORKER.stop)


def start_worker() -> None:
    """Starts Node ahead of the first probe, as part of starting the pack; silent without Node."""
    node = shutil.which("node")
    if node is not None and SANDBOX_SCRIPT.is_file():
        with contextlib.suppress(SandboxUnavailableError):
            _WORKER._running(node)


def _call(node: str, request: str) -> str:
    answer = _WORKER.ask(node, request)
    try:
        error = json.loads(answer).get("error")
    except (ValueError, AttributeError):
        error = None
    if error:
        raise SandboxUnavailableError(f"the Auth0 sandbox failed: {error}")
    return answer


def _outcome(result: Mapping[str, Any]) -> LoginOutcome:
    attributes = result.get("attributes")
    return LoginOutcome(
        outcome=str(result.get("outcome")),
        reason=str(result.get("reason") or ""),
        attributes=attributes if isinstance(attributes, Mapping) else {},
    )
