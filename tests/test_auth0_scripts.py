"""The rule, Action and SAML addon builders, called directly (behaviour in Node is tested apart)."""

import json
import re

from components import auth0_scripts
from components.auth0_scripts import LoginSpec, TagMapping

SPEC = LoginSpec(
    client_id="CLIENT123",
    role_arn="arn:aws:iam::111122223333:role/AccessByCostCenter",
    provider_arn="arn:aws:iam::111122223333:saml-provider/auth0SamlProvider",
    session_name_attribute="email",
    tags=[TagMapping("CostCenter", "app_metadata.cost_center")],
)


def _settings_of(script: str) -> dict:
    literal = re.search(r"var SETTINGS = (\{.*?\n  \});", script, re.S).group(1)
    return json.loads(literal)


def test_rule_embeds_role_first_then_provider_without_spaces():
    settings = _settings_of(auth0_scripts.rule_script(SPEC))
    assert settings["role"] == f"{SPEC.role_arn},{SPEC.provider_arn}"
    assert settings["clientId"] == "CLIENT123"


def test_no_config_value_can_break_out_of_the_settings_literal():
    hostile = "x'; callback(null, user); //\u2028</script>\"}"
    spec = LoginSpec(hostile, SPEC.role_arn, SPEC.provider_arn, "email", SPEC.tags)
    script = auth0_scripts.rule_script(spec)
    assert _settings_of(script)["clientId"] == hostile
    assert "\u2028" not in script and "</script>" not in script


def test_rule_and_action_are_deterministic():
    assert auth0_scripts.rule_script(SPEC) == auth0_scripts.rule_script(SPEC)
    assert auth0_scripts.action_code(SPEC) == auth0_scripts.action_code(SPEC)


def test_saml_addon_signs_with_sha256_and_passes_no_unmapped_claims():
    addon = auth0_scripts.saml_addon("https://signin.aws.amazon.com/saml")
    assert addon["signature_algorithm"] == "rsa-sha256"
    assert addon["digest_algorithm"] == "sha256"
    assert addon["passthrough_claims_with_no_mapping"] is False
    assert addon["name_identifier_probes"] == [auth0_scripts.EMAIL_CLAIM]
    assert None not in addon.values()
    assert "mappings" not in addon
