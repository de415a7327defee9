"""offline/saml_checks.py: each test breaks one attribute of a valid assertion."""

from __future__ import annotations

import pytest

from offline.saml_checks import (
    PRINCIPAL_TAG,
    ROLE,
    ROLE_SESSION_NAME,
    SESSION_DURATION,
    TRANSITIVE_TAG_KEYS,
    AttributeValue,
    check_saml_attributes,
)

ROLE_ARN = "arn:aws:iam::111122223333:role/AccessByCostCenter"
PROVIDER_ARN = "arn:aws:iam::111122223333:saml-provider/auth0SamlProvider"
COST_CENTER = PRINCIPAL_TAG + "CostCenter"
PROJECT = PRINCIPAL_TAG + "Project"


def valid() -> dict[str, AttributeValue]:
    return {
        ROLE: f"{ROLE_ARN},{PROVIDER_ARN}",
        ROLE_SESSION_NAME: "mia@example.com",
        COST_CENTER: "marketing",
        PROJECT: "website",
    }


def problems_with(**changes: AttributeValue | None) -> list[str]:
    """Problems of the valid assertion after replacing (or, with None, removing) attributes."""
    names = {"role": ROLE, "session": ROLE_SESSION_NAME, "cost_center": COST_CENTER}
    attributes = valid()
    for field, value in changes.items():
        name = names.get(field, field)
        if value is None:
            attributes.pop(name)
        else:
            attributes[name] = value
    return check_saml_attributes(attributes, ROLE_ARN, PROVIDER_ARN)


def test_valid_assertion_has_no_problems() -> None:
    assert check_saml_attributes(valid(), ROLE_ARN, PROVIDER_ARN) == []


def test_valid_assertion_without_expected_arns_has_no_problems() -> None:
    assert check_saml_attributes(valid()) == []


def test_single_element_list_counts_as_one_value() -> None:
    assert problems_with(cost_center=["marketing"]) == []


# Role


def test_missing_role_is_reported() -> None:
    assert problems_with(role=None) == [
        f"attribute '{ROLE}' is missing; AWS needs '<role ARN>,<SAML provider ARN>'."
    ]


def test_provider_before_role_is_reported() -> None:
    [problem] = problems_with(role=f"{PROVIDER_ARN},{ROLE_ARN}")

    assert "put the role ARN first" in problem


def test_role_without_provider_is_reported() -> None:
    [problem] = problems_with(role=ROLE_ARN)

    assert "expected '<role ARN>,<SAML provider ARN>'" in problem


def test_spaces_around_the_comma_are_reported() -> None:
    [problem] = problems_with(role=f"{ROLE_ARN}, {PROVIDER_ARN}")

    assert "padded with spaces" in problem


def test_several_role_values_are_reported() -> None:
    pair = f"{ROLE_ARN},{PROVIDER_ARN}"

    [problem] = problems_with(role=[pair, pair])

    assert "exactly one text value" in problem


def test_other_role_of_the_account_is_reported() -> None:
    other = "arn:aws:iam::111122223333:role/Administrator"

    assert problems_with(role=f"{other},{PROVIDER_ARN}") == [
        f"attribute '{ROLE}' names role '{other}'; the stack's role is '{ROLE_ARN}'."
    ]


def test_other_provider_is_reported() -> None:
    other = "arn:aws:iam::111122223333:saml-provider/okta"

    [problem] = problems_with(role=f"{ROLE_ARN},{other}")

    assert f"names provider '{other}'" in problem


def test_malformed_role_arn_is_reported() -> None:
    problems = problems_with(role=f"arn:aws:iam::1111:role/AccessByCostCenter,{PROVIDER_ARN}")

    assert any("is not an IAM role ARN" in problem for problem in problems)


# RoleSessionName


@pytest.mark.parametrize(
    "name", ["m", "x" * 65, "mia example", "mía@example.com"], ids=["1", "65", "space", "accent"]
)
def test_session_name_outside_the_aws_pattern_is_reported(name: str) -> None:
    [problem] = problems_with(session=name)

    assert problem.startswith(f"attribute '{ROLE_SESSION_NAME}' is '{name}'")


@pytest.mark.parametrize("name", ["mi", "x" * 64, "auth0_mia", "a+b=c,d.e@f-g"])
def test_session_name_inside_the_aws_pattern_is_accepted(name: str) -> None:
    assert problems_with(session=name) == []


def test_missing_session_name_is_reported() -> None:
    assert problems_with(session=None) == [
        f"attribute '{ROLE_SESSION_NAME}' is missing; AWS requires it."
    ]


# Principal tags


@pytest.mark.parametrize(
    "value",
    ["Marketing Ops", "研究開発", "ventes-été", "a:b/c=d+e-f@g_h.i", "x" * 256, "٣"],
    ids=["space", "cjk", "accents", "symbols", "256", "arabic-digit"],
)
def test_tag_values_aws_accepts_are_accepted(value: str) -> None:
    assert problems_with(cost_center=value) == []


@pytest.mark.parametrize(
    "value", ["", "x" * 257, "R&D", "cost*center", "a#b"], ids=["empty", "257", "&", "*", "#"]
)
def test_tag_values_aws_refuses_are_reported(value: str) -> None:
    [problem] = problems_with(cost_center=value)

    assert problem.startswith(f"attribute '{COST_CENTER}' is '{value}'")


def test_multi_valued_tag_is_reported() -> None:
    [problem] = problems_with(cost_center=["marketing", "engineering"])

    assert "exactly one text value" in problem


def test_tag_key_with_reserved_prefix_is_reported() -> None:
    [problem] = problems_with(**{PRINCIPAL_TAG + "aws:CostCenter": "marketing"})

    assert "reserved 'aws:' prefix" in problem


def test_tag_keys_differing_only_in_case_are_reported() -> None:
    [problem] = problems_with(**{PRINCIPAL_TAG + "costcenter": "marketing"})

    assert "differ only in case" in problem


def test_more_than_fifty_tags_are_reported() -> None:
    extra = {f"{PRINCIPAL_TAG}Tag{i}": "x" for i in range(49)}

    [problem] = problems_with(**extra)

    assert problem == "51 principal tags are sent; AWS accepts at most 50."


def test_fifty_tags_are_accepted() -> None:
    assert problems_with(**{f"{PRINCIPAL_TAG}Tag{i}": "x" for i in range(48)}) == []


def test_transitive_keys_must_be_sent_tags() -> None:
    assert problems_with(**{TRANSITIVE_TAG_KEYS: ["CostCenter", "Project"]}) == []

    [problem] = problems_with(**{TRANSITIVE_TAG_KEYS: ["CostCenter", "Team"]})

    assert "lists 'Team'" in problem


# Attribute names


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("https://aws.amazon.com/SAML/Attributes/role", ROLE),
        ("http://aws.amazon.com/SAML/Attributes/RoleSessionName", ROLE_SESSION_NAME),
        ("RoleSessionName", ROLE_SESSION_NAME),
        ("PrincipalTag:Team", PRINCIPAL_TAG + "Team"),
        ("https://aws.amazon.com/SAML/Attributes/PrincipalTag/Team", PRINCIPAL_TAG + "Team"),
        ("https://aws.amazon.com/saml/attributes/principaltag:Team", PRINCIPAL_TAG + "Team"),
    ],
    ids=["lower-case", "http", "no-prefix", "tag-no-prefix", "tag-slash", "tag-lower-prefix"],
)
def test_near_miss_attribute_names_are_reported(name: str, meant: str) -> None:
    assert problems_with(**{name: "x" * 3}) == [
        f"attribute '{name}' is not '{meant}'; AWS matches attribute names exactly "
        "and ignores this one."
    ]


def test_unrelated_claims_are_not_reported() -> None:
    email = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"

    assert problems_with(**{email: "mia@example.com", "urn:oid:0.9.2342": "mia"}) == []


# Session duration


@pytest.mark.parametrize("seconds", ["899", "43201", "1h", "3600.0"])
def test_session_duration_outside_aws_range_is_reported(seconds: str) -> None:
    [problem] = problems_with(**{SESSION_DURATION: seconds})

    assert problem.startswith(f"attribute '{SESSION_DURATION}' is '{seconds}'")


def test_session_duration_within_range_is_accepted() -> None:
    assert problems_with(**{SESSION_DURATION: "3600"}) == []
