"""Validation of `sampleUsers`, the offline preview's sign-in expectations, with the rest of config.

Sample users are never deployed, but a malformed one would make the access check prove nothing, so
it is refused like any other bad config: one line per problem, naming the key path and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

AddProblem = Callable[..., None]
USER_FIELDS = ("name", "email", "app_metadata", "user_metadata", "application", "expect")
EXPECT_LISTS = ("canStartStop", "cannotStartStop")
EXPECT_FLAGS = ("loginRefused", "untouched")


def check_sample_users(value: Any, instance_names: Iterable[str], add: AddProblem) -> None:
    """Reports each malformed entry through add(path, value, expected, fix=None).

    With no valid instance (already reported), instance names in expectations are not judged.
    """
    if not isinstance(value, list):
        add("sampleUsers", value, "a list of users", "pulumi config rm sampleUsers")
        return
    known = set(instance_names)
    seen: set[str] = set()
    for index, user in enumerate(value):
        path = f"sampleUsers[{index}]"
        if not isinstance(user, dict):
            add(path, user, "a user with at least a name", f"pulumi config rm --path '{path}'")
            continue
        _check_user(path, user, add)
        name = user.get("name")
        if name in seen:
            add(f"{path}.name", name, "a name no other sample user has")
        seen.add(name)
        _check_expect(f"{path}.expect", user.get("expect", {}), known, add)


def _check_user(path: str, user: Mapping[str, Any], add: AddProblem) -> None:
    for field in sorted(set(user) - set(USER_FIELDS)):
        add(
            f"{path}.{field}",
            user[field],
            f"only the fields {', '.join(USER_FIELDS)}",
            f"pulumi config rm --path '{path}.{field}'",
        )
    if not isinstance(user.get("name"), str) or not user.get("name"):
        add(f"{path}.name", user.get("name"), "a non-empty name")
    for field in ("email", "application"):
        if field in user and not isinstance(user[field], str):
            add(f"{path}.{field}", user[field], "a string")
    for field in ("app_metadata", "user_metadata"):
        if field in user and not isinstance(user[field], dict):
            add(
                f"{path}.{field}",
                user[field],
                "a map of attributes",
                f"pulumi config set --path '{path}.{field}.<attribute>' <value>",
            )


def _check_expect(path: str, expect: Any, known: set[str], add: AddProblem) -> None:
    if not isinstance(expect, dict):
        add(path, expect, "a map with canStartStop, cannotStartStop, loginRefused or untouched")
        return
    for field in sorted(set(expect) - set(EXPECT_LISTS) - set(EXPECT_FLAGS)):
        add(
            f"{path}.{field}",
            expect[field],
            f"only {', '.join(EXPECT_LISTS + EXPECT_FLAGS)}",
            f"pulumi config rm --path '{path}.{field}'",
        )
    for field in EXPECT_LISTS:
        _check_instance_list(f"{path}.{field}", expect.get(field, []), known, add)
    for field in EXPECT_FLAGS:
        if field in expect and not isinstance(expect[field], bool):
            add(f"{path}.{field}", expect[field], "true or false")
    _check_consistency(path, expect, add)


def _check_instance_list(path: str, names: Any, known: set[str], add: AddProblem) -> None:
    if not isinstance(names, list):
        add(path, names, "a list of instance names", f"pulumi config set --path '{path}[0]' <name>")
        return
    for position, name in enumerate(names):
        if known and name not in known:
            add(f"{path}[{position}]", name, f"the name of an instance: {', '.join(sorted(known))}")


def _check_consistency(path: str, expect: Mapping[str, Any], add: AddProblem) -> None:
    flags = [flag for flag in EXPECT_FLAGS if expect.get(flag) is True]
    lists = [field for field in EXPECT_LISTS if expect.get(field)]
    if len(flags) > 1 or (flags and lists):
        add(
            path,
            sorted(flags + lists),
            "one outcome: a refused or untouched login cannot also start or stop instances",
        )
    both = set(_names(expect.get("canStartStop"))) & set(_names(expect.get("cannotStartStop")))
    for name in sorted(both):
        add(f"{path}.cannotStartStop", name, "an instance not also listed in canStartStop")


def _names(value: Any) -> list[str]:
    return [name for name in value if isinstance(name, str)] if isinstance(value, list) else []
