"""auth0-saml-client, auth0-login-scoped-to-client and auth0-rules-end-of-life.

Rule and Action behaviour is judged by running the code in policies/auth0_sandbox.js under Node.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.auth0_scripts import LoginSpec, TagMapping, action_code, rule_script
from policies.rbac_guard import sandbox
from policies.rbac_guard.local import Resource, resource_violations

CLIENT = "auth0:index/client:Client"
RULE = "auth0:index/rule:Rule"
ACTION = "auth0:index/action:Action"
SIGNIN = "https://signin.aws.amazon.com/saml"
SPEC = LoginSpec(
    client_id="AwsClientId0123456789abcdefABCDEF",
    role_arn="arn:aws:iam::111122223333:role/AccessByCostCenter",
    provider_arn="arn:aws:iam::111122223333:saml-provider/auth0SamlProvider",
    session_name_attribute="email",
    tags=[
        TagMapping("CostCenter", "app_metadata.cost_center"),
        TagMapping("Project", "app_metadata.project"),
    ],
)
SAMLP = {
    "audience": SIGNIN,
    "recipient": SIGNIN,
    "destination": SIGNIN,
    "nameIdentifierFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "nameIdentifierProbes": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
    "signatureAlgorithm": "rsa-sha256",
    "digestAlgorithm": "sha256",
    "passthroughClaimsWithNoMapping": False,
    "mapUnknownClaimsAsIs": False,
    "mapIdentities": False,
}
# Hand-written rules of the usual shape, each wrong in one way.
UNSCOPED_RULE = """function (user, context, callback) {
  user.awsRole = 'arn:aws:iam::111122223333:role/AccessByCostCenter,' +
    'arn:aws:iam::111122223333:saml-provider/auth0SamlProvider';
  user.awsCostCenter = user.app_metadata.cost_center;
  context.samlConfiguration.mappings = {
    'https://aws.amazon.com/SAML/Attributes/Role': 'awsRole',
    'https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter': 'awsCostCenter'
  };
  callback(null, user, context);
}"""
REFUSING_RULE = """function (user, context, callback) {
  if (context.clientID !== 'AwsClientId0123456789abcdefABCDEF') {
    return callback(new UnauthorizedError('AWS only'));
  }
  callback(null, user, context);
}"""
BROKEN_RULE = "function (user, context, callback) { undefinedHelper(); }"
UNSCOPED_ACTION = """exports.onExecutePostLogin = async (event, api) => {
  api.samlResponse.setAttribute(
    'https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter',
    event.user.app_metadata.cost_center);
};"""


def client(**changes: Any) -> Resource:
    samlp = copy.deepcopy(SAMLP)
    samlp.update(changes)
    samlp = {key: value for key, value in samlp.items() if value is not None}
    return Resource(CLIENT, "rbac-app-client", {"name": "AWS", "addons": {"samlp": samlp}})


def rule(script: str) -> Resource:
    return Resource(RULE, "rbac-login-rule", {"name": "aws-session-tags", "script": script})


def action(code: str) -> Resource:
    props = {"name": "aws-session-tags", "code": code, "runtime": "node22", "deploy": True}
    return Resource(ACTION, "rbac-login-action", props)


def test_baseline_saml_client_is_compliant():
    assert resource_violations("auth0-saml-client", client()) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"signatureAlgorithm": "rsa-sha1"},
            'Property "addons.samlp.signatureAlgorithm" is "rsa-sha1"; set "rsa-sha256".',
        ),
        (
            {"signatureAlgorithm": None},
            'Property "addons.samlp.signatureAlgorithm" is not set, so Auth0 uses rsa-sha1; set '
            '"rsa-sha256".',
        ),
        (
            {"digestAlgorithm": "sha1"},
            'Property "addons.samlp.digestAlgorithm" is "sha1"; set "sha256".',
        ),
        (
            {"nameIdentifierProbes": []},
            'Property "addons.samlp.nameIdentifierProbes" is empty; name the claim that identifies '
            "the user instead of leaving Auth0 to guess.",
        ),
        (
            {"passthroughClaimsWithNoMapping": True},
            'Property "addons.samlp.passthroughClaimsWithNoMapping" is true, so Auth0 passes every '
            "unmapped claim into the assertion; set it to false.",
        ),
        (
            {"passthroughClaimsWithNoMapping": None},
            'Property "addons.samlp.passthroughClaimsWithNoMapping" is not set, so Auth0 passes '
            "every unmapped claim into the assertion; set it to false.",
        ),
    ],
    ids=["sha1-signature", "default-signature", "sha1-digest", "no-probes", "passthrough", "unset"],
)
def test_each_weakened_saml_setting_is_reported(changes: dict[str, Any], message: str):
    assert resource_violations("auth0-saml-client", client(**changes)) == [message]


def test_clients_without_the_samlp_addon_are_left_alone():
    spa = Resource(CLIENT, "portal", {"name": "Portal", "appType": "spa"})
    assert resource_violations("auth0-saml-client", spa) == []


@pytest.mark.parametrize(
    "resource",
    [rule(rule_script(SPEC)), action(action_code(SPEC))],
    ids=["rule", "action"],
)
def test_generated_login_code_leaves_other_applications_untouched(resource: Resource):
    assert resource_violations("auth0-login-scoped-to-client", resource) == []


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            rule(UNSCOPED_RULE),
            'Property "script" sends AWS attributes (PrincipalTag:CostCenter, Role) for a login to '
            "another application; act only for the AWS application's client id.",
        ),
        (
            action(UNSCOPED_ACTION),
            'Property "code" sends AWS attributes (PrincipalTag:CostCenter) for a login to another '
            "application; act only for the AWS application's client id.",
        ),
        (
            rule(REFUSING_RULE),
            'Property "script" refuses a login to another application ("AWS only"); act only for '
            "the AWS application's client id.",
        ),
        (
            rule(BROKEN_RULE),
            'Property "script" could not be checked by running it: the rule threw ReferenceError: '
            "undefinedHelper is not defined.",
        ),
    ],
    ids=["unscoped-rule", "unscoped-action", "refusing-rule", "broken-rule"],
)
def test_login_code_that_acts_for_other_applications_is_reported(resource: Resource, message: str):
    assert resource_violations("auth0-login-scoped-to-client", resource) == [message]


def test_without_node_the_scope_check_reports_it_could_not_run(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox._run.cache_clear()

    assert resource_violations("auth0-login-scoped-to-client", rule(rule_script(SPEC))) == [
        'Property "script" could not be checked by running it: Node.js was not found on PATH.'
    ]


def test_rules_get_an_end_of_life_notice_and_actions_do_not():
    assert resource_violations("auth0-rules-end-of-life", rule(rule_script(SPEC))) == [
        'Property "script" is an Auth0 Rule, and Rules reached end of life on 2026-11-18; move it '
        "to a post-login Action."
    ]
    assert resource_violations("auth0-rules-end-of-life", action(action_code(SPEC))) == []
