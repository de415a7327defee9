"""Every kind of bad stack config gets one line naming the key and its fix; nothing registered."""

import json

import pytest

from components.settings import ConfigError, parse_settings
from offline.mocks import run_program

P = "rbac-cost-center"
GUIDE_INSTANCES = [
    {"name": "website", "tags": {"CostCenter": "marketing", "Project": "website"}},
    {"name": "dashboard", "tags": {"CostCenter": "engineering", "Project": "dashboard"}},
    {"name": "community", "tags": {"CostCenter": "marketing", "Project": "community"}},
]


def _instances_with(index: int, **changes) -> str:
    instances = json.loads(json.dumps(GUIDE_INSTANCES))
    instances[index].update(changes)
    return json.dumps(instances)


def _tags(index: int, tags: dict) -> str:
    return _instances_with(index, tags=tags)


CASES = {
    "account id not 12 digits": (
        {f"{P}:accountId": "12345"},
        f'{P}:accountId: got "12345"; expected a quoted string of exactly 12 digits',
    ),
    "duplicate instance names": (
        {f"{P}:instances": _instances_with(2, name="website")},
        f'{P}:instances[2].name: got "website"; expected a name no other instance has',
    ),
    "instance missing a tag key": (
        {f"{P}:instances": _tags(2, {"Project": "community"})},
        f"{P}:instances[2].tags.CostCenter: got nothing; expected a value",
    ),
    "tag value with a character sessions cannot carry": (
        {f"{P}:instances": _tags(0, {"CostCenter": "market!ng", "Project": "w"})},
        f'{P}:instances[0].tags.CostCenter: got "market!ng"; expected only letters, digits',
    ),
    "tag value over 256 characters": (
        {f"{P}:instances": _tags(0, {"CostCenter": "m" * 257, "Project": "w"})},
        f'{P}:instances[0].tags.CostCenter: got "{"m" * 99}…; expected at most 256',
    ),
    "session tag key with the aws: prefix": (
        {f"{P}:sessionTags": json.dumps([{"key": "aws:cc", "attribute": "app_metadata.cc"}])},
        f'{P}:sessionTags[0].key: got "aws:cc"; expected a key without the reserved aws: prefix',
    ),
    "session tag key over 128 characters": (
        {f"{P}:sessionTags": json.dumps([{"key": "K" * 129, "attribute": "app_metadata.cc"}])},
        f'{P}:sessionTags[0].key: got "{"K" * 99}…; expected a session-tag key of 1 to 128',
    ),
    "session tag key with a trailing space": (
        {f"{P}:sessionTags": json.dumps([{"key": "CostCenter ", "attribute": "app_metadata.cc"}])},
        f'{P}:sessionTags[0].key: got "CostCenter "; expected a key without leading or trailing',
    ),
    "more than 50 session tags": (
        {
            f"{P}:sessionTags": json.dumps(
                [{"key": f"K{i}", "attribute": f"app_metadata.k{i}"} for i in range(51)]
            )
        },
        f"{P}:sessionTags: got [",
    ),
    "instance tag key spelled differently": (
        {f"{P}:instances": _tags(1, {"Costcenter": "engineering", "Project": "d"})},
        f'{P}:instances[1].tags.Costcenter: got "engineering"; expected the key spelled '
        "'CostCenter'",
    ),
    "access tag key spelled differently": (
        {f"{P}:accessTagKey": "costCenter"},
        f'{P}:accessTagKey: got "costCenter"; expected the same spelling as sessionTags',
    ),
    "role name over the IAM limit": (
        {f"{P}:roleName": "R" * 65},
        f'{P}:roleName: got "{"R" * 65}"; expected 1 to 64 of letters',
    ),
    "policy name with a space": (
        {f"{P}:policyName": "VM Access"},
        f'{P}:policyName: got "VM Access"; expected 1 to 128 of letters',
    ),
    "saml provider name with a slash": (
        {f"{P}:samlProviderName": "auth0/saml"},
        f'{P}:samlProviderName: got "auth0/saml"; expected 1 to 128 of letters, digits and _ . -',
    ),
    "mapping to user_metadata": (
        {
            f"{P}:sessionTags": json.dumps(
                [{"key": "CostCenter", "attribute": "user_metadata.cost_center"}]
            )
        },
        f'{P}:sessionTags[0].attribute: got "user_metadata.cost_center"; expected a path under '
        "app_metadata",
    ),
    "session name from a disallowed source": (
        {f"{P}:roleSessionNameAttribute": "user_metadata.nick"},
        f'{P}:roleSessionNameAttribute: got "user_metadata.nick"; expected one of email',
    ),
    "ABAC key in provider default tags": (
        {"aws:defaultTags": json.dumps({"tags": {"CostCenter": "marketing"}})},
        'aws:defaultTags.tags.CostCenter: got "marketing"; expected no session-tag key in '
        "provider default tags",
    ),
    "unknown key in the project namespace": (
        {f"{P}:instanceTyp": "t3.small"},
        f"{P}:instanceTyp: got \"t3.small\"; expected a known key such as 'instanceType'. "
        "Fix: pulumi config set instanceType '<the same value>' && "
        f"pulumi config rm {P}:instanceTyp",
    ),
    "sign-in URL of another host": (
        {f"{P}:signinUrls": json.dumps(["https://evil.example.com/saml"])},
        f'{P}:signinUrls[0]: got "https://evil.example.com/saml"; expected an AWS sign-in SAML',
    ),
    "sample user expecting an unknown instance": (
        {f"{P}:sampleUsers": json.dumps([{"name": "u", "expect": {"canStartStop": ["webiste"]}}])},
        f'{P}:sampleUsers[0].expect.canStartStop[0]: got "webiste"; expected the name of an '
        "instance: community_site, management_dashboard, website",
    ),
    "sample user expectation given as a string": (
        {f"{P}:sampleUsers": json.dumps([{"name": "u", "expect": {"canStartStop": "website"}}])},
        f'{P}:sampleUsers[0].expect.canStartStop: got "website"; expected a list of instance names',
    ),
    "two sample users with one name": (
        {f"{P}:sampleUsers": json.dumps([{"name": "u"}, {"name": "u"}])},
        f'{P}:sampleUsers[1].name: got "u"; expected a name no other sample user has',
    ),
    "sample user both refused and able to start": (
        {
            f"{P}:sampleUsers": json.dumps(
                [{"name": "u", "expect": {"loginRefused": True, "canStartStop": ["website"]}}]
            )
        },
        f'{P}:sampleUsers[0].expect: got ["canStartStop", "loginRefused"]; expected one outcome',
    ),
    "instance tag key with the aws: prefix": (
        {f"{P}:instances": _tags(0, {"CostCenter": "m", "Project": "w", "aws:team": "x"})},
        f'{P}:instances[0].tags.aws:team: got "x"; expected a tag key of 1 to 128 characters',
    ),
    "plaintext Auth0 client secret": (
        {"auth0:clientSecret": "s3cr3t"},
        'auth0:clientSecret: got "<plaintext>"; expected a Pulumi secret',
    ),
    "session longer than AWS allows": (
        {f"{P}:maxSessionDuration": "50000"},
        f"{P}:maxSessionDuration: got 50000; expected 3600 to 43200 seconds",
    ),
}


@pytest.mark.parametrize("overrides, expected", CASES.values(), ids=CASES.keys())
def test_bad_config_is_refused_with_the_key_and_nothing_registered(overrides, expected):
    run = run_program("dev", overrides)

    assert run.error is not None, "the config was accepted"
    lines = str(run.error).splitlines()[1:]
    matching = [line for line in lines if line.startswith(expected)]
    assert matching, f"no line starts with {expected!r} in:\n" + "\n".join(lines)
    assert "Fix: pulumi config " in matching[0]
    assert run.records == []


def test_a_secret_where_a_plain_value_belongs_is_named_as_such():
    values = {**run_program("dev").config.values, f"{P}:roleName": "decrypted"}

    with pytest.raises(ConfigError) as raised:
        parse_settings(values, "dev", lambda key: key == f"{P}:roleName")

    assert f'{P}:roleName: got "[secret]"; expected a plain value' in str(raised.value)


def test_every_problem_is_reported_at_once():
    run = run_program("dev", {f"{P}:accountId": "1", f"{P}:roleName": ""})

    keys = [line.split(": got")[0] for line in str(run.error).splitlines()[1:]]
    assert keys == [f"{P}:accountId", f"{P}:roleName"]


def test_the_fix_command_uses_the_config_path():
    run = run_program("dev", {f"{P}:instances": _tags(2, {"Project": "community"})})

    assert "Fix: pulumi config set --path 'instances[2].tags.CostCenter' <value>" in str(run.error)


def test_an_empty_instance_list_is_one_problem_not_a_cascade():
    run = run_program("dev", {f"{P}:instances": "[]"})

    lines = str(run.error).splitlines()[1:]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{P}:instances: got []; expected at least one instance")
