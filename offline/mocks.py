"""Runs the real program on a stack's config under Pulumi's mock runtime, with no network.

Provider-computed fields (ids, ARNs, client ids, signing certificates, the AMI) are invented from
hashes of the resource's name, so the same config always gives the same preview.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import runpy
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components import tags
from offline.stack_config import ROOT, StackConfig, load_stack_config

MOCK_REGION = "us-east-1"


def _engine_logger() -> logging.Logger:
    """Program diagnostics (pulumi.log) go to stderr, as the CLI shows them, never to stdout."""
    logger = logging.getLogger("rbac-cost-center.engine")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    return logger


_ENGINE_LOG = _engine_logger()


@dataclass
class ResourceRecord:
    """One registered resource as the engine sees it, and the state the mocks returned."""

    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    raw_inputs: struct_pb2.Struct
    custom: bool
    protect: bool
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgramRun:
    """The outcome of one program run under mocks."""

    config: StackConfig
    records: list[ResourceRecord]
    outputs: dict[str, Any]
    error: BaseException | None = None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class _InventedState(pulumi.runtime.Mocks):
    """Invents what AWS and Auth0 would compute, consistently across runs."""

    def __init__(self, account_id: str, region: str, partition: str) -> None:
        self.account_id = account_id
        self.region = region
        self.partition = partition

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        digest = _digest(args.typ, args.name)
        resource_id = f"{args.name}-{digest[:8]}"
        inventor = _INVENTORS.get(args.typ)
        if inventor is not None:
            resource_id, extra = inventor(self, args.inputs, digest)
            state.update(extra)
        return resource_id, state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:ssm/getParameter:getParameter":
            name = str(args.args.get("name", ""))
            ami = "ami-" + _digest(name)[:17]
            return {"name": name, "value": ami, "type": "String", "id": name}, []
        return {}, []

    def arn(self, service: str, resource: str, region: str = "") -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


def _instance(mock: _InventedState, inputs: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    instance_id = "i-" + digest[:17]
    arn = mock.arn("ec2", f"instance/{instance_id}", mock.region)
    return instance_id, {"arn": arn, "instanceState": "running", "tagsAll": inputs.get("tags", {})}


def _role(mock: _InventedState, inputs: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    name = str(inputs.get("name"))
    return name, {"arn": mock.arn("iam", f"role/{name}"), "uniqueId": "AROA" + digest[:17].upper()}


def _policy(mock: _InventedState, inputs: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    arn = mock.arn("iam", f"policy/{inputs.get('name')}")
    return arn, {"arn": arn, "policyId": "ANPA" + digest[:17].upper()}


def _saml_provider(mock: _InventedState, inputs: Mapping[str, Any], _: str) -> tuple[str, dict]:
    arn = mock.arn("iam", f"saml-provider/{inputs.get('name')}")
    return arn, {"arn": arn}


def _attachment(_: _InventedState, inputs: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    return f"{inputs.get('role')}-{digest[:20]}", {}


def _client(_: _InventedState, __: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    client_id = _letters(digest, 32)
    cert = "-----BEGIN CERTIFICATE-----\nMIIDmock" + digest[:48] + "\n-----END CERTIFICATE-----\n"
    keys = [{"cert": cert, "pkcs7": "", "subject": "/CN=mock.auth0.com"}]
    return client_id, {"clientId": client_id, "signingKeys": keys}


def _action(_: _InventedState, __: Mapping[str, Any], digest: str) -> tuple[str, dict]:
    action_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return action_id, {"versionId": digest[32:40]}


def _letters(digest: str, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    number = int(digest, 16)
    return "".join(alphabet[(number >> (6 * i)) % len(alphabet)] for i in range(length))


_INVENTORS = {
    "aws:ec2/instance:Instance": _instance,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:iam/samlProvider:SamlProvider": _saml_provider,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attachment,
    "auth0:index/client:Client": _client,
    "auth0:index/action:Action": _action,
}


class _RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, keeping every registration request as the engine would see it."""

    def __init__(self, invented: _InventedState) -> None:
        super().__init__(invented)
        self.records: list[ResourceRecord] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        raw = struct_pb2.Struct()
        raw.CopyFrom(request.object)
        self.records.append(
            ResourceRecord(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                inputs=json_format.MessageToDict(request.object),
                raw_inputs=raw,
                custom=request.custom,
                protect=bool(request.protect),
                provider=request.provider,
                dependencies=list(request.dependencies),
                property_dependencies={
                    key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                id=response.id,
                outputs=json_format.MessageToDict(response.object),
            )
        )
        return response


def run_program(
    stack: str,
    overrides: Mapping[str, str] | None = None,
    root: Path = ROOT,
    main: Path | None = None,
) -> ProgramRun:
    """Runs the program (root/__main__.py) for the stack under mocks.

    A configuration error lands in ProgramRun.error, with no resource registered.
    """
    config = load_stack_config(stack, root)
    values = {**config.values, **(overrides or {})}
    account_id = values.get(f"{config.project}:accountId", "000000000000")
    region = values.get("aws:region", MOCK_REGION)
    partition = tags.partition_of(region)
    monitor = _RecordingMonitor(_InventedState(account_id, region, partition))
    settings.ROOT.set(None)
    mocks.set_mocks(
        monitor.mocks, config.project, stack, preview=True, monitor=monitor, logger=_ENGINE_LOG
    )
    set_all_config(values, config.secret_keys)

    error: BaseException | None = None
    with _program_directory(root):
        try:
            _sync_await(run_pulumi_func(lambda: _run_main(main or root / "__main__.py")))
        except pulumi.RunError as caught:
            error = caught
    outputs = {} if error else _stack_outputs()
    return ProgramRun(replace_config(config, values), monitor.records, outputs, error)


def replace_config(config: StackConfig, values: dict[str, str]) -> StackConfig:
    return StackConfig(config.project, config.stack, values, config.secret_keys)


def _run_main(program: Path) -> None:
    runpy.run_path(str(program), run_name="__main__")


@contextlib.contextmanager
def _program_directory(root: Path) -> Iterator[None]:
    previous = os.getcwd()
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        os.chdir(previous)
        if added:
            sys.path.remove(str(root))


def _stack_outputs() -> dict[str, Any]:
    stack = settings.get_root_resource()
    exported = getattr(stack, "outputs", {}) or {}
    resolved: dict[str, Any] = {}
    for key, value in exported.items():
        resolved[key] = _sync_await(pulumi.Output.from_input(value).future())
    return resolved
