"""The rule and the post-login Action are interchangeable: same outcome, attributes and refusal.

Moving a stack from auth0Flow rule to action must change nothing a user sees, so every login of
the corpus runs through both and the answers are compared whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import given

from components.auth0_scripts import LoginSpec, action_code, rule_script
from offline.access_report import AWS_APPLICATION, run_settings_users
from offline.mocks import run_program
from offline.node_tools import Login, LoginResult, run_auth0
from tests.test_login_properties import (
    FAIL_CLOSED_CASES,
    FEWER_EXAMPLES,
    OTHER_CLIENT,
    login,
    specs_with_users,
    stack_login,
)

Answer = tuple[str, str | None, dict[str, Any]]


def answer(result: LoginResult) -> Answer:
    return (result.outcome, result.reason, dict(result.attributes))


def rule_and_action(
    rule: str, action: str, logins: Sequence[Login]
) -> tuple[list[Answer], list[Answer]]:
    by_rule = [answer(result) for result in run_auth0("rule", rule, logins)]
    by_action = [answer(result) for result in run_auth0("action", action, logins)]
    return by_rule, by_action


def deployed_pair() -> tuple[str, str, str]:
    """The dev stack's rule, the dev-action stack's Action and the client id both serve."""
    rule, action = stack_login("dev"), stack_login("dev-action")
    assert (rule.kind, action.kind) == ("rule", "action")
    assert rule.client_id == action.client_id, "the stacks name different applications"
    return rule.code, action.code, rule.client_id


def sample_login(user: Mapping[str, Any], client_id: str) -> Login:
    own = user.get("application", AWS_APPLICATION) == AWS_APPLICATION
    profile = {key: user[key] for key in ("name", "email", "app_metadata") if key in user}
    return login(client_id if own else OTHER_CLIENT, profile)


def test_dev_sample_users_get_the_same_answer_from_rule_and_action() -> None:
    rule, action, client_id = deployed_pair()
    users = run_settings_users(run_program("dev"))
    logins = [sample_login(user, client_id) for user in users]

    by_rule, by_action = rule_and_action(rule, action, logins)

    assert {outcome for outcome, _, _ in by_rule} == {"issued", "refused", "untouched"}
    assert by_action == by_rule


def test_fail_closed_cases_get_the_same_answer_from_rule_and_action() -> None:
    rule, action, client_id = deployed_pair()
    logins = [case.login(client_id) for case in FAIL_CLOSED_CASES]

    by_rule, by_action = rule_and_action(rule, action, logins)

    assert {outcome for outcome, _, _ in by_rule} == {"issued", "refused", "untouched"}
    for case, from_rule, from_action in zip(FAIL_CLOSED_CASES, by_rule, by_action, strict=True):
        assert from_action == from_rule, case.id


@FEWER_EXAMPLES
@given(specs_with_users())
def test_generated_users_get_the_same_answer_from_rule_and_action(
    spec_and_users: tuple[LoginSpec, list[Login]],
) -> None:
    spec, logins = spec_and_users

    by_rule, by_action = rule_and_action(rule_script(spec), action_code(spec), logins)

    for attempt, from_rule, from_action in zip(logins, by_rule, by_action, strict=True):
        assert from_action == from_rule, attempt["user"]
