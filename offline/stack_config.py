"""Reads a stack's configuration the way the Pulumi CLI hands it to the program.

The CLI merges Pulumi.yaml defaults with Pulumi.<stack>.yaml, qualifies bare keys with the project
name and passes every value as a string (objects and arrays as JSON). Secure values cannot be
decrypted offline; they are passed as a placeholder and marked secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_PLACEHOLDER = "[secret]"


class StackFileError(Exception):
    """A stack file is missing or is not a valid Pulumi stack file."""


@dataclass(frozen=True)
class StackConfig:
    """What the CLI would pass to the program for one stack."""

    project: str
    stack: str
    values: dict[str, str]
    secret_keys: list[str]


def load_stack_config(stack: str, root: Path = ROOT) -> StackConfig:
    """Reads Pulumi.yaml and Pulumi.<stack>.yaml below root."""
    project_file = _read_yaml(root / "Pulumi.yaml")
    project = str(project_file.get("name", ""))
    stack_path = root / f"Pulumi.{stack}.yaml"
    if not stack_path.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no stack file {stack_path.name}; known stacks: {', '.join(known)}")
    stack_values = _read_yaml(stack_path).get("config") or {}
    if not isinstance(stack_values, dict):
        raise StackFileError(f"{stack_path.name}: 'config' must be a map of keys to values")

    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for name, declaration in (project_file.get("config") or {}).items():
        default = declaration.get("default") if isinstance(declaration, dict) else declaration
        if default is not None:
            values[_qualify(name, project)] = _as_config_string(default)
    for key, value in stack_values.items():
        full_key = _qualify(str(key), project)
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full_key] = SECRET_PLACEHOLDER
            secret_keys.append(full_key)
            continue
        values[full_key] = _as_config_string(value)
    return StackConfig(project, stack, values, secret_keys)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StackFileError(f"{path.name} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path.name} must hold a YAML map")
    return document


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)
