"""Runs the CrossGuard policy pack offline, speaking to it as `pulumi preview --policy-pack` does.

The pack runs as its own process and prints the port of its gRPC server on stdout. The engine's
side of the conversation is then: GetAnalyzerInfo, Configure (every policy's enforcement level and
properties, schema defaults filled in), ConfigureStack, one Analyze per resource with its inputs,
and one AnalyzeStack with every resource's final state.

`python -m offline.analyzer --stack dev [--config policies/config.example.json] [--json]` prints
the violations of a stack run under mocks; exit code 1 means a mandatory violation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
POLICY_PACK = ROOT / "policies"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 120.0
# Analyze calls kept in flight: enough to hide each round trip behind the next; more only makes
# the pack's four server threads fight over its interpreter lock.
IN_FLIGHT = 4
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
_MAX_MESSAGE = 400 * 1024 * 1024
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]


class AnalyzerError(RuntimeError):
    """The policy pack could not be started or did not answer."""


class ResourceLike(Protocol):
    """What the analyzer reads of a resource record (offline.mocks.ResourceRecord has it all)."""

    urn: str
    type: str
    name: str
    parent: str
    raw_inputs: struct_pb2.Struct
    outputs: dict[str, Any]
    protect: bool
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as the pack describes it."""

    name: str
    description: str
    enforcement_level: str
    policy_type: str
    severity: str
    config_schema: dict[str, Any]


@dataclass(frozen=True)
class PackInfo:
    """The pack's name, version and policies, from GetAnalyzerInfo."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]

    def policy(self, name: str) -> PolicyInfo:
        return next(policy for policy in self.policies if policy.name == name)


@dataclass(frozen=True)
class Violation:
    """One diagnostic; urn is empty for a stack-wide finding."""

    policy: str
    level: str
    urn: str
    message: str


@dataclass(frozen=True)
class AnalysisReport:
    """Everything one analysis found, in the order the pack reported it."""

    pack: PackInfo
    violations: tuple[Violation, ...]

    def by_resource(self) -> dict[str, list[Violation]]:
        """Violations grouped by URN, the stack-wide ones under ""."""
        grouped: dict[str, list[Violation]] = {}
        for violation in self.violations:
            grouped.setdefault(violation.urn, []).append(violation)
        return grouped

    @property
    def mandatory(self) -> list[Violation]:
        return [violation for violation in self.violations if violation.level == "mandatory"]


def analyze(
    records: Sequence[ResourceLike],
    policy_config: Mapping[str, Any] | None = None,
    pack_dir: Path = POLICY_PACK,
) -> AnalysisReport:
    """Starts the pack, analyzes the records as one preview would, and stops the pack."""
    with PolicyPackProcess(pack_dir) as pack:
        info = pack.info()
        pack.configure(policy_config_request(info, policy_config or {}))
        pack.configure_stack(records)
        violations = pack.analyze(records) + pack.analyze_stack(records)
    return AnalysisReport(info, tuple(violations))


def load_policy_config(path: Path) -> dict[str, Any]:
    """A --policy-pack-config file: policy name (or "all") to a level or {enforcementLevel, ...}."""
    config = json.loads(path.read_text())
    if not isinstance(config, dict):
        raise AnalyzerError(f"{path} must hold a JSON object of policy name to settings")
    return config


def policy_config_request(
    info: PackInfo, config: Mapping[str, Any]
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """What the CLI sends to Configure: each policy's level and its properties over the defaults."""
    unknown = sorted(set(config) - {policy.name for policy in info.policies} - {"all"})
    if unknown:
        raise AnalyzerError(f"the policy config names no policy of the pack: {', '.join(unknown)}")

    request = {}
    for policy in info.policies:
        level, properties = _policy_settings(policy, config)
        message = analyzer_pb2.PolicyConfig(enforcementLevel=_level_value(level))
        message.properties.update(properties)
        request[policy.name] = message
    return request


def _policy_settings(policy: PolicyInfo, config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    level = config.get("all", policy.enforcement_level)
    properties = {
        name: spec["default"]
        for name, spec in policy.config_schema.get("properties", {}).items()
        if "default" in spec
    }
    own = config.get(policy.name)
    if isinstance(own, str):
        return own, properties
    if isinstance(own, Mapping):
        level = own.get("enforcementLevel", level)
        properties.update({key: value for key, value in own.items() if key != "enforcementLevel"})
    return str(level), properties


def _level_value(level: str) -> int:
    try:
        return analyzer_pb2.EnforcementLevel.Value(level.upper())
    except ValueError as error:
        raise AnalyzerError(f'"{level}" is not an enforcement level') from error


def _level_name(value: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(value).lower()


class PolicyPackProcess:
    """The pack's process and a gRPC channel to it; always stopped on leaving the with block."""

    def __init__(self, pack_dir: Path = POLICY_PACK, python: str | None = None) -> None:
        self.pack_dir = pack_dir
        self.python = python or _project_python()
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.target = ""

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Runs the pack as the Python language host does and connects to the port it prints."""
        # The pack's stderr outlives this call: it explains a failure to start, and close() ends it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [self.python, "-u", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            self.target = f"127.0.0.1:{self._read_port()}"
            self._channel = grpc.insecure_channel(self.target, options=_CHANNEL_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT_S)
        if not ready:
            raise AnalyzerError(f"the policy pack printed no port within {START_TIMEOUT_S:.0f} s")
        line = self._process.stdout.readline()
        if line.strip().isdigit():
            return int(line)

        # Anything but a port means the pack failed; let it finish writing why.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        raise AnalyzerError(f"the policy pack printed no port: {self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        assert self._stderr is not None
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "it exited without a message"

    def close(self) -> None:
        """Closes the channel and stops the process, killing it if it does not stop in time."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            _stop(self._process)
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def pid(self) -> int | None:
        """The pack's process id while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise AnalyzerError("the policy pack is not running")
        return self._stub

    def info(self) -> PackInfo:
        """The pack's metadata; as with the CLI, PulumiPolicy.yaml's version wins over the SDK's."""
        answer = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S)
        version = _declared_version(self.pack_dir) or answer.version
        return PackInfo(answer.name, version, tuple(map(_policy_info, answer.policies)))

    def configure(self, request: Mapping[str, analyzer_pb2.PolicyConfig]) -> None:
        configure = analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=dict(request))
        self.stub.Configure(configure, timeout=CALL_TIMEOUT_S)

    def configure_stack(self, records: Sequence[ResourceLike]) -> None:
        """Tells the pack the stack and project that the records' URNs name, as a preview does."""
        stack, project = _stack_and_project(records)
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack, project=project, dry_run=True
        )
        self.stub.ConfigureStack(request, timeout=CALL_TIMEOUT_S)

    def analyze(self, records: Sequence[ResourceLike]) -> list[Violation]:
        """One Analyze per resource with its registered inputs, several calls in flight at once."""
        # A private event loop, never installed as the thread's: callers such as Pulumi's mock
        # runtime keep using theirs. The asyncio client costs far less CPU per call than futures.
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(self._analyze_all(records))
        finally:
            loop.close()

    async def _analyze_all(self, records: Sequence[ResourceLike]) -> list[Violation]:
        providers = {record.urn: record for record in records if _is_provider(record)}
        slots = asyncio.Semaphore(IN_FLIGHT)
        async with grpc.aio.insecure_channel(self.target, options=_CHANNEL_OPTIONS) as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            answers = await asyncio.gather(
                *(_analyze_one(stub, slots, record, providers) for record in records)
            )
        return [violation for violations in answers for violation in violations]

    def analyze_stack(self, records: Sequence[ResourceLike]) -> list[Violation]:
        """One AnalyzeStack with every resource but the providers, as their final state."""
        providers = {record.urn: record for record in records if _is_provider(record)}
        resources = [
            _stack_resource(record, providers) for record in records if not _is_provider(record)
        ]
        request = analyzer_pb2.AnalyzeStackRequest(resources=resources)
        answer = self.stub.AnalyzeStack(request, timeout=CALL_TIMEOUT_S)
        return [_violation(diagnostic, diagnostic.urn) for diagnostic in answer.diagnostics]


def _project_python() -> str:
    return str(PROJECT_PYTHON) if PROJECT_PYTHON.exists() else sys.executable


def _declared_version(pack_dir: Path) -> str:
    manifest = pack_dir / "PulumiPolicy.yaml"
    if not manifest.is_file():
        return ""
    declared = yaml.safe_load(manifest.read_text()) or {}
    return str(declared.get("version") or "")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _policy_info(policy: analyzer_pb2.PolicyInfo) -> PolicyInfo:
    return PolicyInfo(
        name=policy.name,
        description=policy.description,
        enforcement_level=_level_name(policy.enforcementLevel),
        policy_type=analyzer_pb2.PolicyType.Name(policy.policy_type)
        .removeprefix("POLICY_TYPE_")
        .lower(),
        severity=analyzer_pb2.PolicySeverity.Name(policy.severity)
        .removeprefix("POLICY_SEVERITY_")
        .lower(),
        config_schema=json_format.MessageToDict(policy.configSchema),
    )


def _stack_and_project(records: Sequence[ResourceLike]) -> tuple[str, str]:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    if not records:
        return "", ""
    head = records[0].urn.removeprefix("urn:pulumi:").split("::")
    return head[0], head[1] if len(head) > 1 else ""


def _is_provider(record: ResourceLike) -> bool:
    return record.type.startswith(PROVIDER_TYPE_PREFIX)


def _options(record: ResourceLike) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=record.protect, parent=record.parent)


def _provider(
    record: ResourceLike, providers: Mapping[str, ResourceLike]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    # A provider reference is "<provider urn>::<provider id>".
    provider = providers.get(record.provider.rsplit("::", 1)[0]) if record.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=provider.raw_inputs, urn=provider.urn, name=provider.name
    )


def _analyze_request(
    record: ResourceLike, providers: Mapping[str, ResourceLike]
) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=record.type,
        properties=record.raw_inputs,
        urn=record.urn,
        name=record.name,
        options=_options(record),
        provider=_provider(record, providers),
    )


def _stack_resource(
    record: ResourceLike, providers: Mapping[str, ResourceLike]
) -> analyzer_pb2.AnalyzerResource:
    state = struct_pb2.Struct()
    state.update(record.outputs)
    return analyzer_pb2.AnalyzerResource(
        type=record.type,
        properties=state,
        urn=record.urn,
        name=record.name,
        options=_options(record),
        provider=_provider(record, providers),
        parent=record.parent,
        dependencies=record.dependencies,
        propertyDependencies={
            prop: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
            for prop, urns in record.property_dependencies.items()
        },
    )


async def _analyze_one(
    stub: analyzer_pb2_grpc.AnalyzerStub,
    slots: asyncio.Semaphore,
    record: ResourceLike,
    providers: Mapping[str, ResourceLike],
) -> list[Violation]:
    async with slots:
        answer = await stub.Analyze(_analyze_request(record, providers), timeout=CALL_TIMEOUT_S)
    # A resource policy reports no URN of its own: the engine files it under the analyzed resource.
    return [
        _violation(diagnostic, diagnostic.urn or record.urn) for diagnostic in answer.diagnostics
    ]


def _violation(diagnostic: analyzer_pb2.AnalyzeDiagnostic, urn: str) -> Violation:
    # The SDK sends "<description>\n<message>"; the description is already in the pack info.
    message = diagnostic.message.removeprefix(f"{diagnostic.description}\n")
    return Violation(diagnostic.policyName, _level_name(diagnostic.enforcementLevel), urn, message)


def _render(report: AnalysisReport) -> Iterator[str]:
    yield f"Policy pack {report.pack.name}@v{report.pack.version}"
    for urn, violations in report.by_resource().items():
        yield f"  {urn or 'stack'}"
        for violation in violations:
            yield f"    [{violation.level}] {violation.policy}: {violation.message}"
    if not report.violations:
        yield "  no violations"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--config", type=Path, help="a --policy-pack-config JSON file")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(list(argv) if argv is not None else None)

    from offline.mocks import run_program  # imported late: it loads the whole Pulumi runtime

    run = run_program(args.stack)
    if run.error is not None:
        print(run.error, file=sys.stderr)
        return 2
    config = load_policy_config(args.config) if args.config else {}
    report = analyze(run.records, config)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print("\n".join(_render(report)))
    return 1 if report.mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
