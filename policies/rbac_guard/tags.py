"""Tag values that a session tag can equal, and the instance tags ABAC matches on."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

MAX_SESSION_TAG_VALUE = 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def is_session_tag_character(char: str) -> bool:
    """Letters of any script, digits, spaces and _ . : / = + - @, as AWS defines tag values."""
    return unicodedata.category(char)[0] in "LNZ" or char in _TAG_PUNCTUATION


def session_tag_value_problem(value: Any) -> str | None:
    """Why no session tag could carry this value, or None when one could."""
    if not isinstance(value, str):
        return "is not a string"
    if not value:
        return "is empty, and a session tag value never is"
    if len(value) > MAX_SESSION_TAG_VALUE:
        return f"is {len(value)} characters long; a session tag value holds at most 256"
    odd = sorted({char for char in value if not is_session_tag_character(char)})
    if odd:
        shown = " ".join(repr(char) for char in odd)
        return f"holds {shown}, which a session tag value cannot carry"
    return None


def instance_tag_problems(
    tags: Mapping[str, Any] | None,
    tag_keys: Sequence[str],
    allowed_cost_centers: Sequence[str],
    cost_center_key: str,
) -> list[str]:
    """Messages for each ABAC tag the instance lacks or holds in a form no session tag can match."""
    tags = tags or {}
    messages = []
    for key in tag_keys:
        prop = f'"tags.{key}"'
        if key not in tags:
            messages.append(f"Property {prop} is missing, so no session tag can match it.")
            continue
        problem = session_tag_value_problem(tags[key])
        if problem is not None:
            messages.append(f"Property {prop} {problem}.")
        elif key == cost_center_key and not _allowed(tags[key], allowed_cost_centers):
            allowed = ", ".join(allowed_cost_centers)
            messages.append(
                f'Property {prop} is "{tags[key]}", which is not an allowed cost center '
                f"({allowed})."
            )
    return messages


def _allowed(value: str, allowed_cost_centers: Sequence[str]) -> bool:
    """An empty allow-list accepts every cost center."""
    return not allowed_cost_centers or value in allowed_cost_centers


def role_tag_problems(tags: Mapping[str, Any] | None, abac_keys: Sequence[str]) -> list[str]:
    """Messages for each ABAC key among the federated role's own tags."""
    # IAM matches principal tag keys without regard to case, so "costcenter" shadows CostCenter.
    lowered = {key.lower() for key in abac_keys}
    return [
        f'Property "tags.{key}" is an ABAC key; as a role tag it becomes the principal tag of any '
        "session that does not carry that session tag."
        for key in tags or {}
        if key.lower() in lowered
    ]
