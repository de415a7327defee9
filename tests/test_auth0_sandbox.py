"""Behaviour of policies/auth0_sandbox.js: Auth0 rule and Action semantics, isolation, limits."""

from __future__ import annotations

import json
import statistics
import subprocess
from typing import Any

import pytest

from offline.node_tools import SANDBOX_SCRIPT, Login, NodeToolError, find_node, run_auth0
from offline.saml_checks import check_saml_attributes

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/AccessByCostCenter"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/auth0SamlProvider"
ROLE_URI = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_URI = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
COST_CENTER_URI = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter"
PROJECT_URI = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project"
EMAIL_URI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
AWS_CLIENT = "aws-client-id"

# A hand-written rule of the same shape as the generated one: only the AWS application over SAML
# gets attributes, and a user without a cost center is refused.
COST_CENTER_RULE = f"""
function (user, context, callback) {{
  if (context.clientID !== '{AWS_CLIENT}' || context.protocol !== 'samlp') {{
    return callback(null, user, context);
  }}
  var costCenter = user.app_metadata && user.app_metadata.cost_center;
  if (!costCenter) {{
    return callback(new UnauthorizedError('app_metadata.cost_center is missing'));
  }}
  user.awsRole = '{ROLE_ARN},{PROVIDER_ARN}';
  user.awsRoleSession = user.email;
  user.awsCostCenter = costCenter;
  context.samlConfiguration.mappings = {{
    '{ROLE_URI}': 'awsRole',
    '{SESSION_URI}': 'awsRoleSession',
    '{COST_CENTER_URI}': 'awsCostCenter',
    '{PROJECT_URI}': 'app_metadata.project'
  }};
  callback(null, user, context);
}}
"""

COST_CENTER_ACTION = f"""
exports.onExecutePostLogin = async (event, api) => {{
  if (event.client.client_id !== '{AWS_CLIENT}' || event.transaction.protocol !== 'samlp') {{
    return;
  }}
  const costCenter = event.user.app_metadata && event.user.app_metadata.cost_center;
  if (!costCenter) {{
    api.access.deny('app_metadata.cost_center is missing');
    return;
  }}
  await Promise.resolve();
  api.samlResponse.setAttribute('{ROLE_URI}', '{ROLE_ARN},{PROVIDER_ARN}');
  api.samlResponse.setAttribute('{SESSION_URI}', event.user.email);
  api.samlResponse.setAttribute('{COST_CENTER_URI}', costCenter);
}};
"""


def login(
    app_metadata: dict[str, Any] | None = None,
    client_id: str = AWS_CLIENT,
    addon_mappings: dict[str, str] | None = None,
    email: str = "mia@example.com",
) -> Login:
    return {
        "user": {
            "user_id": "auth0|mia",
            "email": email,
            "name": "Mia",
            "app_metadata": app_metadata or {},
            "user_metadata": {},
        },
        "clientId": client_id,
        "clientName": "AWS" if client_id == AWS_CLIENT else "Payroll",
        "protocol": "samlp",
        "addonMappings": addon_mappings or {},
    }


def rule(body: str) -> str:
    return "function (user, context, callback) {\n" + body + "\n}"


def only(results: list[Any]) -> Any:
    assert len(results) == 1, results
    return results[0]


# Rules


def test_rule_sends_role_session_name_and_cost_center_tag() -> None:
    result = only(run_auth0("rule", COST_CENTER_RULE, [login({"cost_center": "marketing"})]))

    assert (result.outcome, result.reason) == ("issued", None)
    assert result.attributes == {
        ROLE_URI: f"{ROLE_ARN},{PROVIDER_ARN}",
        SESSION_URI: "mia@example.com",
        COST_CENTER_URI: "marketing",
    }
    assert check_saml_attributes(result.attributes, ROLE_ARN, PROVIDER_ARN) == []


def test_rule_mapping_resolves_a_dotted_path_on_the_user() -> None:
    user = login({"cost_center": "marketing", "project": "website"})

    result = only(run_auth0("rule", COST_CENTER_RULE, [user]))

    assert result.attributes[PROJECT_URI] == "website"


def test_rule_mapping_to_an_array_gives_a_multi_valued_attribute() -> None:
    code = rule(
        "user.groups = ['ops', 'dev', 7];\n"
        "context.samlConfiguration.mappings = {groups: 'groups'};\n"
        "callback(null, user, context);"
    )

    result = only(run_auth0("rule", code, [login()]))

    assert result.attributes == {"groups": ["ops", "dev", "7"]}


def test_rule_mappings_overlay_the_addon_mappings() -> None:
    addon = {EMAIL_URI: "email", ROLE_URI: "name"}
    user = login({"cost_center": "marketing"}, addon_mappings=addon)

    result = only(run_auth0("rule", COST_CENTER_RULE, [user]))

    assert result.attributes[EMAIL_URI] == "mia@example.com"
    assert result.attributes[ROLE_URI] == f"{ROLE_ARN},{PROVIDER_ARN}"


def test_user_without_cost_center_is_refused_with_the_rule_message() -> None:
    result = only(run_auth0("rule", COST_CENTER_RULE, [login({"project": "website"})]))

    assert (result.outcome, result.reason) == ("refused", "app_metadata.cost_center is missing")
    assert result.attributes == {}


def test_login_to_another_application_is_untouched() -> None:
    user = login({"cost_center": "marketing"}, client_id="payroll", addon_mappings={"e": "email"})

    result = only(run_auth0("rule", COST_CENTER_RULE, [user]))

    assert result.outcome == "untouched"
    assert result.attributes == {"e": "mia@example.com"}


def test_rule_that_only_changes_the_user_is_not_untouched() -> None:
    code = rule("user.nickname = 'changed';\ncallback(null, user, context);")

    result = only(run_auth0("rule", code, [login()], secrets=None))

    assert result.outcome == "issued"


def test_rule_reads_secrets_through_configuration() -> None:
    code = rule(
        "user.secret = configuration.SIGNING_HINT;\n"
        "context.samlConfiguration.mappings = {s: 'secret'};\n"
        "callback(null, user, context);"
    )

    result = only(run_auth0("rule", code, [login()], secrets={"SIGNING_HINT": "hint"}))

    assert result.attributes == {"s": "hint"}


def test_rule_console_output_is_captured_not_printed() -> None:
    code = rule("console.log('checking', user.email);\ncallback(null, user, context);")

    result = only(run_auth0("rule", code, [login()]))

    assert result.logs == ("log: checking mia@example.com",)


def test_rule_may_call_back_after_a_promise_settles() -> None:
    code = rule(
        "Promise.resolve('late').then(function (value) {\n"
        "  user.when = value;\n"
        "  context.samlConfiguration.mappings = {w: 'when'};\n"
        "  callback(null, user, context);\n"
        "});"
    )

    result = only(run_auth0("rule", code, [login()]))

    assert (result.outcome, result.attributes) == ("issued", {"w": "late"})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("throw new TypeError('no profile');", "the rule threw TypeError: no profile"),
        ("return;", "the rule never called callback"),
        ("while (true) {}", "the code ran longer than 100 ms"),
    ],
    ids=["throws", "never-calls-back", "loops-forever"],
)
def test_rule_failures_are_errors_with_a_reason(body: str, reason: str) -> None:
    result = only(run_auth0("rule", rule(body), [login()], timeout_ms=100))

    assert (result.outcome, result.reason) == ("error", reason)


def test_rule_that_does_not_compile_fails_every_login() -> None:
    results = run_auth0("rule", "function (user, context, callback) {", [login(), login()])

    assert [item.outcome for item in results] == ["error", "error"]
    assert results[0].reason is not None
    assert "does not compile" in results[0].reason


def test_a_login_that_timed_out_does_not_spoil_the_next_one() -> None:
    code = rule(
        "if (user.app_metadata.stall) { for (;;) {} }\n"
        "context.samlConfiguration.mappings = {e: 'email'};\n"
        "callback(null, user, context);"
    )

    results = run_auth0("rule", code, [login({"stall": True}), login()], timeout_ms=100)

    assert [item.outcome for item in results] == ["error", "issued"]


# Isolation


def test_sandbox_offers_no_require_process_timers_or_network() -> None:
    probe = "[typeof require, typeof process, typeof setTimeout, typeof fetch].join(',')"
    code = rule(
        f"user.reach = {probe};\n"
        "context.samlConfiguration.mappings = {reach: 'reach'};\n"
        "callback(null, user, context);"
    )

    result = only(run_auth0("rule", code, [login()]))

    assert result.attributes == {"reach": "undefined,undefined,undefined,undefined"}


def test_sandbox_refuses_to_build_code_from_strings() -> None:
    code = rule(
        "var leak = user.constructor.constructor('return process')();\n"
        "callback(null, user, context);"
    )

    result = only(run_auth0("rule", code, [login()]))

    assert result.outcome == "error"
    assert "Code generation from strings disallowed" in (result.reason or "")


# Actions


def test_action_sets_attributes_over_the_addon_mappings() -> None:
    addon = {EMAIL_URI: "email", SESSION_URI: "user_id"}
    user = login({"cost_center": "engineering"}, addon_mappings=addon)

    result = only(run_auth0("action", COST_CENTER_ACTION, [user]))

    assert result.outcome == "issued"
    assert result.attributes == {
        EMAIL_URI: "mia@example.com",
        ROLE_URI: f"{ROLE_ARN},{PROVIDER_ARN}",
        SESSION_URI: "mia@example.com",
        COST_CENTER_URI: "engineering",
    }


def test_action_deny_refuses_the_login() -> None:
    result = only(run_auth0("action", COST_CENTER_ACTION, [login({})]))

    assert (result.outcome, result.reason) == ("refused", "app_metadata.cost_center is missing")


def test_action_for_another_application_is_untouched() -> None:
    user = login({"cost_center": "marketing"}, client_id="payroll")

    result = only(run_auth0("action", COST_CENTER_ACTION, [user]))

    assert (result.outcome, result.attributes) == ("untouched", {})


def test_action_reads_secrets_from_the_event() -> None:
    code = (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.samlResponse.setAttribute('s', event.secrets.HINT);\n"
        "};"
    )

    result = only(run_auth0("action", code, [login()], secrets={"HINT": "from-secrets"}))

    assert result.attributes == {"s": "from-secrets"}


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            "const https = require('https');\nexports.onExecutePostLogin = async () => {};",
            "the action module threw ReferenceError: require is not defined",
        ),
        ("exports.onExecutePostLogout = async () => {};", "does not export onExecutePostLogin"),
        (
            "exports.onExecutePostLogin = async () => { throw new Error('boom'); };",
            "onExecutePostLogin threw Error: boom",
        ),
        (
            "exports.onExecutePostLogin = () => new Promise(() => {});",
            "onExecutePostLogin never finished",
        ),
    ],
    ids=["requires-a-module", "wrong-export", "throws", "never-settles"],
)
def test_action_failures_are_errors_with_a_reason(code: str, reason: str) -> None:
    result = only(run_auth0("action", code, [login()]))

    assert result.outcome == "error"
    assert reason in (result.reason or "")


# The batch


def test_one_login_takes_well_under_a_millisecond() -> None:
    users = [login({"cost_center": "marketing"}, email=f"u{i}@example.com") for i in range(400)]

    results = run_auth0("rule", COST_CENTER_RULE, users)

    assert {item.outcome for item in results} == {"issued"}
    assert statistics.median(item.duration_ms for item in results) < 1.0


def test_malformed_request_is_a_node_tool_error() -> None:
    with pytest.raises(NodeToolError, match='"kind" must be "rule" or "action"'):
        run_auth0("policy", "x", [])  # type: ignore[arg-type]


def test_sandbox_answers_one_json_document_on_stdout() -> None:
    request = {"kind": "rule", "code": rule("callback(null, user, context);"), "logins": [login()]}

    completed = subprocess.run(
        [find_node(), str(SANDBOX_SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert list(json.loads(completed.stdout)) == ["results"]


# The rule and Action the program generates


def generated_code(kind: str) -> str:
    scripts = pytest.importorskip("components.auth0_scripts")
    spec = scripts.LoginSpec(
        client_id=AWS_CLIENT,
        role_arn=ROLE_ARN,
        provider_arn=PROVIDER_ARN,
        session_name_attribute="email",
        tags=[
            scripts.TagMapping("CostCenter", "app_metadata.cost_center"),
            scripts.TagMapping("Project", "app_metadata.project"),
        ],
    )
    builder = scripts.rule_script if kind == "rule" else getattr(scripts, "action_code", None)
    if builder is None:
        pytest.skip("the program does not generate Action code yet")
    return builder(spec)


@pytest.mark.parametrize("kind", ["rule", "action"])
@pytest.mark.parametrize(
    ("app_metadata", "cost_center"),
    [
        ({"cost_center": "marketing", "project": "website"}, "marketing"),
        ({"cost_center": "engineering", "project": "management_dashboard"}, "engineering"),
    ],
    ids=["marketing-user", "engineering-user"],
)
def test_generated_code_tags_the_session_with_the_users_cost_center(
    kind: str, app_metadata: dict[str, str], cost_center: str
) -> None:
    code = generated_code(kind)

    result = only(run_auth0(kind, code, [login(app_metadata)]))  # type: ignore[arg-type]

    assert result.outcome == "issued", result.reason
    assert result.attributes[COST_CENTER_URI] == cost_center
    assert result.attributes[PROJECT_URI] == app_metadata["project"]
    assert result.attributes[SESSION_URI] == "mia@example.com"
    assert check_saml_attributes(result.attributes, ROLE_ARN, PROVIDER_ARN) == []


@pytest.mark.parametrize("kind", ["rule", "action"])
def test_generated_code_refuses_a_user_without_a_cost_center(kind: str) -> None:
    code = generated_code(kind)

    result = only(run_auth0(kind, code, [login({"project": "website"})]))  # type: ignore[arg-type]

    assert result.outcome == "refused"
    assert "app_metadata.cost_center" in (result.reason or "")


@pytest.mark.parametrize("kind", ["rule", "action"])
def test_generated_code_leaves_another_application_untouched(kind: str) -> None:
    code = generated_code(kind)
    user = login({"cost_center": "marketing", "project": "website"}, client_id="payroll")

    result = only(run_auth0(kind, code, [user]))  # type: ignore[arg-type]

    assert (result.outcome, result.attributes) == ("untouched", {})
