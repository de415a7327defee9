"""Reading IAM policy documents the way IAM does: single values or lists, case-blind keys."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A policy variable with a default, such as ${aws:PrincipalTag/CostCenter, 'none'}.
_DEFAULTED_VARIABLE = re.compile(r"\$\{[^}]*,[^}]*\}")
_PRINCIPAL_TAG_VARIABLE = re.compile(r"\$\{aws:PrincipalTag/([^},\s]+)\}", re.IGNORECASE)
_NEGATED_OPERATORS = ("StringNot", "ArnNot", "NotIpAddress", "NumericNot", "DateNot")


class DocumentError(ValueError):
    """A policy document that is not a JSON object with statements."""


@dataclass(frozen=True)
class ConditionTest:
    """One key of one condition operator, e.g. StringEquals on ec2:ResourceTag/CostCenter."""

    operator: str
    key: str
    values: tuple[Any, ...]

    @property
    def if_exists(self) -> bool:
        return self.operator.endswith("IfExists")

    @property
    def negated(self) -> bool:
        return self.base_operator.startswith(_NEGATED_OPERATORS)

    @property
    def set_qualifier(self) -> str:
        """ForAnyValue or ForAllValues, or an empty string for a single-valued test."""
        return self.operator.split(":", 1)[0] if ":" in self.operator else ""

    @property
    def base_operator(self) -> str:
        return self.operator.split(":", 1)[-1].removesuffix("IfExists")

    def is_key(self, key: str) -> bool:
        """Condition keys are case-insensitive in IAM."""
        return self.key.lower() == key.lower()


def load_document(value: Any) -> Mapping[str, Any]:
    """The document a resource input holds, whether JSON text or an already parsed object."""
    document = _parse(value) if isinstance(value, str) else value
    if not isinstance(document, Mapping):
        raise DocumentError("a policy document must be a JSON object")
    return document


@functools.lru_cache(maxsize=2048)
def _parse(text: str) -> Any:
    # Several policies read the same document of the same resource; parse each text once.
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(f"the policy document is not JSON ({error.msg})") from error


def as_list(value: Any) -> list[Any]:
    """IAM accepts one value or a list of them wherever a list is allowed."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [item for item in as_list(document.get("Statement")) if isinstance(item, Mapping)]


def allow_statements(document: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Each Allow statement with its index; a Deny never grants, so no check here needs it."""
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") == "Allow":
            yield index, statement


def label(index: int, statement: Mapping[str, Any]) -> str:
    """How a message names a statement: its Sid, or its position when it has none."""
    sid = statement.get("Sid")
    return f'statement "{sid}"' if isinstance(sid, str) and sid else f"statement #{index + 1}"


def condition_tests(statement: Mapping[str, Any]) -> list[ConditionTest]:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    return [
        ConditionTest(str(operator), str(key), tuple(as_list(values)))
        for operator, block in condition.items()
        if isinstance(block, Mapping)
        for key, values in block.items()
    ]


def tests_of(statement: Mapping[str, Any], key: str) -> list[ConditionTest]:
    return [test for test in condition_tests(statement) if test.is_key(key)]


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere inside a JSON value, keys excluded."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, Sequence):
        for item in value:
            yield from strings_in(item)


def defaulted_variables(statement: Mapping[str, Any]) -> list[str]:
    return [
        match.group(0)
        for text in strings_in(statement)
        for match in _DEFAULTED_VARIABLE.finditer(text)
    ]


def principal_tag_keys(document: Mapping[str, Any]) -> list[str]:
    """Tag keys the document reads as ${aws:PrincipalTag/K}, in order of first use."""
    keys: dict[str, None] = {}
    for statement in statements(document):
        for text in strings_in(statement):
            keys.update((match.group(1), None) for match in _PRINCIPAL_TAG_VARIABLE.finditer(text))
    return list(keys)


def principal_tag_variable(key: str) -> str:
    return "${aws:PrincipalTag/" + key + "}"
