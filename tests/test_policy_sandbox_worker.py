"""The pack's long-lived Node worker: many probes, one process, and failures that do not hang."""

from __future__ import annotations

import json
import shutil

import pytest

from policies.rbac_guard import sandbox

UNTOUCHED_RULE = "function (user, context, callback) { callback(null, user, context); }"
LOGIN = {"user": {"email": "a@example.com"}, "clientId": "c", "protocol": "samlp"}


def _request(code: str) -> str:
    return json.dumps({"kind": "rule", "code": code, "secrets": {}, "logins": [LOGIN]})


def test_consecutive_probes_are_answered_by_one_node_process():
    node = shutil.which("node")
    worker = sandbox._Worker()
    try:
        first = json.loads(worker.ask(node, _request(UNTOUCHED_RULE)))
        pid = worker._process.pid
        second = json.loads(worker.ask(node, _request(UNTOUCHED_RULE + " ")))
        assert worker._process.pid == pid
    finally:
        worker.stop()

    assert first["results"][0]["outcome"] == "untouched"
    assert second["results"][0]["outcome"] == "untouched"


def test_a_malformed_request_is_an_error_not_a_hang():
    bad = json.dumps({"kind": "macro", "code": "", "logins": []})

    with pytest.raises(sandbox.SandboxUnavailableError, match='"kind" must be "rule" or "action"'):
        sandbox._call(shutil.which("node"), bad)
