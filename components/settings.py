"""Reads and validates the whole stack configuration before any resource is registered.

Every problem becomes one line naming the fully qualified key and path, the bad value, what is
expected and the `pulumi config set` command that fixes it. All lines are raised together as one
`ConfigError`, a `RunError`, so Pulumi prints them without a traceback.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components import tags
from components.sample_users import check_sample_users
from components.schema import BY_NAME, KEYS, PROJECT, Key

ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII)
SAML_PROVIDER_NAME = re.compile(r"^[\w.-]{1,128}$", re.ASCII)
INSTANCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
AUTH0_RULE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,253}[A-Za-z0-9])?$")
AUTH0_ACTION_NAME = re.compile(r"^[^\x00-\x1f<>]{1,255}$")
ATTRIBUTE_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
SESSION_NAME_ATTRIBUTES = ("email", "user_id", "username", "nickname", "name")
FLOWS = ("rule", "action")
MIN_SESSION, MAX_SESSION = 3600, 43200
MAX_INSTANCE_TAGS = 50
PLAINTEXT_FORBIDDEN = ("auth0:clientSecret", "auth0:apiToken")


class ConfigError(pulumi.RunError):
    """The stack configuration is invalid; the message lists every problem, one per line."""


@dataclass(frozen=True)
class SessionTag:
    """A session tag sent in the SAML assertion and the Auth0 attribute that feeds it."""

    key: str
    attribute: str


@dataclass(frozen=True)
class InstanceSpec:
    """One EC2 instance: its name, its tags (session-tag keys included) and its type."""

    name: str
    tags: Mapping[str, str]
    instance_type: str


@dataclass(frozen=True)
class Settings:
    """The validated stack configuration."""

    project: str
    stack: str
    account_id: str
    region: str
    partition: str
    saml_provider_name: str
    manage_saml_provider: bool
    role_name: str
    policy_name: str
    signin_urls: tuple[str, ...]
    max_session_duration: int
    session_tags: tuple[SessionTag, ...]
    access_tag_key: str
    session_name_attribute: str
    instances: tuple[InstanceSpec, ...]
    ami_id: str
    ami_ssm_parameter: str
    subnet_id: str
    protect: bool
    auth0_domain: str
    auth0_application_name: str
    auth0_flow: str
    auth0_rule_name: str
    auth0_action_name: str
    sample_users: tuple[Mapping[str, Any], ...]

    @property
    def role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.role_name}"

    @property
    def saml_provider_arn(self) -> str:
        return (
            f"arn:{self.partition}:iam::{self.account_id}:saml-provider/{self.saml_provider_name}"
        )

    @property
    def session_tag_keys(self) -> tuple[str, ...]:
        return tuple(tag.key for tag in self.session_tags)


class _Problems:
    """Collects one line per problem, each naming its key and the command that fixes it."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, value: Any, expected: str, fix: str | None = None) -> None:
        command = fix or f"pulumi config set --path '{path}' <value>"
        line = f"{_qualified(path)}: got {_shown(value)}; expected {expected.rstrip('.')}. "
        line += f"Fix: {command}"
        if line not in self.lines:
            self.lines.append(line)

    def raise_if_any(self) -> None:
        if self.lines:
            raise ConfigError("invalid stack configuration:\n" + "\n".join(self.lines))


def _qualified(path: str) -> str:
    namespace = path.split(".", 1)[0].split("[", 1)[0]
    return path if ":" in namespace else f"{PROJECT}:{path}"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:100] + "…"


def load_settings() -> Settings:
    """Reads the current stack's configuration; raises ConfigError listing every problem."""
    return parse_settings(_raw_config(), pulumi.get_stack(), runtime_config.is_config_secret)


def _raw_config() -> dict[str, Any]:
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def parse_settings(
    raw: Mapping[str, Any], stack: str, is_secret: Callable[[str], bool] = lambda _: False
) -> Settings:
    """Validates raw config (fully qualified key -> string value) into Settings."""
    problems = _Problems()
    _check_unknown_keys(raw, problems)
    _check_provider_config(raw, is_secret, problems)
    values = {key.name: _typed_value(raw, key, is_secret, problems) for key in KEYS}
    region = _region(raw, problems)
    partition = tags.partition_of(region) if region else "aws"
    session_tags = _session_tags(values["sessionTags"], problems)
    settings = Settings(
        project=PROJECT,
        stack=stack,
        account_id=_account_id(values["accountId"], problems),
        region=region,
        partition=partition,
        saml_provider_name=_named(values, "samlProviderName", SAML_PROVIDER_NAME, problems),
        manage_saml_provider=bool(values["manageSamlProvider"]),
        role_name=_named(values, "roleName", ROLE_NAME, problems),
        policy_name=_named(values, "policyName", POLICY_NAME, problems),
        signin_urls=_signin_urls(values["signinUrls"], region, partition, problems),
        max_session_duration=_session_duration(values["maxSessionDuration"], problems),
        session_tags=session_tags,
        access_tag_key=_access_tag_key(values["accessTagKey"], session_tags, problems),
        session_name_attribute=_session_name_attribute(
            values["roleSessionNameAttribute"], problems
        ),
        instances=_instances(values["instances"], values["instanceType"], session_tags, problems),
        ami_id=_ami_id(values["amiId"], problems),
        ami_ssm_parameter=str(values["amiSsmParameter"] or ""),
        subnet_id=str(values["subnetId"] or ""),
        protect=bool(values["protectResources"]),
        auth0_domain=_auth0_domain(raw, problems),
        auth0_application_name=_application_name(values["auth0ApplicationName"], problems),
        auth0_flow=_flow(values["auth0Flow"], problems),
        auth0_rule_name=_named(values, "auth0RuleName", AUTH0_RULE_NAME, problems),
        auth0_action_name=_named(values, "auth0ActionName", AUTH0_ACTION_NAME, problems),
        sample_users=(),
    )
    settings = dataclasses.replace(
        settings, sample_users=_sample_users(values["sampleUsers"], settings.instances, problems)
    )
    _check_default_tags(raw, session_tags, problems)
    problems.raise_if_any()
    return settings


def _check_unknown_keys(raw: Mapping[str, Any], problems: _Problems) -> None:
    prefix = f"{PROJECT}:"
    for full_key in sorted(raw):
        name = full_key[len(prefix) :] if full_key.startswith(prefix) else None
        if name is None or name in BY_NAME:
            continue
        near = _nearest(name, BY_NAME)
        if near:
            fix = f"pulumi config set {near} '<the same value>' && pulumi config rm {full_key}"
            problems.add(name, raw[full_key], f"a known key such as '{near}'", fix)
        else:
            problems.add(
                name, raw[full_key], "a key declared in Pulumi.yaml", f"pulumi config rm {full_key}"
            )


def _nearest(name: str, known: Mapping[str, Any]) -> str | None:
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _check_provider_config(
    raw: Mapping[str, Any], is_secret: Callable[[str], bool], problems: _Problems
) -> None:
    for key in PLAINTEXT_FORBIDDEN:
        if key in raw and not is_secret(key):
            problems.add(
                key,
                "<plaintext>",
                "a Pulumi secret (or the AUTH0_* environment variable), never plaintext",
                f"pulumi config set --secret {key} <value>",
            )


def _typed_value(
    raw: Mapping[str, Any], key: Key, is_secret: Callable[[str], bool], problems: _Problems
) -> Any:
    full_key = f"{PROJECT}:{key.name}"
    text = raw.get(full_key)
    if text is None:
        if key.required:
            problems.add(key.name, None, f"a value: {key.description}")
        return key.default
    if is_secret(full_key):
        problems.add(
            key.name,
            "[secret]",
            "a plain value: nothing in this key is secret",
            f"pulumi config set {key.name} <value>",
        )
        return key.default
    return _parse(text, key, problems)


def _parse(text: Any, key: Key, problems: _Problems) -> Any:
    if key.type == "string":
        return text if isinstance(text, str) else str(text)
    if key.type == "boolean":
        return _parse_boolean(text, key, problems)
    if key.type == "integer":
        return _parse_integer(text, key, problems)
    return _parse_json(text, key, problems)


def _parse_boolean(text: Any, key: Key, problems: _Problems) -> bool:
    lowered = str(text).lower()
    if lowered not in ("true", "false"):
        problems.add(key.name, text, "true or false")
        return bool(key.default)
    return lowered == "true"


def _parse_integer(text: Any, key: Key, problems: _Problems) -> int:
    try:
        return int(str(text))
    except ValueError:
        problems.add(key.name, text, "a whole number")
        return int(key.default)


def _parse_json(text: Any, key: Key, problems: _Problems) -> Any:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, list):
        first = f"{key.name}[0]" + (".<field>" if key.items == "object" else "")
        problems.add(
            key.name,
            text,
            f"a list of {key.items}s: {key.description}",
            f"pulumi config rm {PROJECT}:{key.name} && pulumi config set --path '{first}' <value>",
        )
        return key.default
    return value


def _region(raw: Mapping[str, Any], problems: _Problems) -> str:
    region = str(raw.get("aws:region") or "")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        problems.add(
            "aws:region",
            region or None,
            "an AWS region such as us-east-1",
            "pulumi config set aws:region us-east-1",
        )
        return ""
    return region


def _account_id(value: Any, problems: _Problems) -> str:
    text = str(value or "")
    if value is not None and not ACCOUNT_ID.fullmatch(text):
        problems.add(
            "accountId",
            value,
            "a quoted string of exactly 12 digits (an unquoted number loses its leading zeros)",
            "pulumi config set accountId '<12 digits>'",
        )
    return text


def _named(
    values: Mapping[str, Any], name: str, pattern: re.Pattern[str], problems: _Problems
) -> str:
    text = str(values[name] or "")
    if not pattern.fullmatch(text):
        problems.add(name, text, _NAME_RULES[name])
    return text


_NAME_RULES = {
    "samlProviderName": "1 to 128 of letters, digits and _ . - (IAM SAML provider name rules)",
    "roleName": "1 to 64 of letters, digits and _ + = , . @ - (IAM role name rules)",
    "policyName": "1 to 128 of letters, digits and _ + = , . @ - (IAM policy name rules)",
    "auth0RuleName": "letters, digits, spaces and hyphens, not starting or ending with a space "
    "or hyphen (Auth0 rule name rules)",
    "auth0ActionName": "1 to 255 printable characters without < or >",
}


def _signin_urls(value: Any, region: str, partition: str, problems: _Problems) -> tuple[str, ...]:
    urls = [str(url) for url in value] if isinstance(value, list) else []
    if not urls:
        return (tags.global_signin_url(partition),)
    allowed = tags.signin_urls_for(partition, region)
    for index, url in enumerate(urls):
        if not tags.is_signin_url(url, partition):
            problems.add(
                f"signinUrls[{index}]",
                url,
                f"an AWS sign-in SAML endpoint of partition {partition}, e.g. {allowed[0]} or "
                f"{allowed[1]}",
            )
    if len(set(urls)) != len(urls):
        problems.add("signinUrls", urls, "each sign-in URL once")
    return tuple(urls)


def _session_duration(value: Any, problems: _Problems) -> int:
    if not isinstance(value, int) or not MIN_SESSION <= value <= MAX_SESSION:
        problems.add("maxSessionDuration", value, f"{MIN_SESSION} to {MAX_SESSION} seconds")
        return MIN_SESSION
    return value


def _session_tags(value: Any, problems: _Problems) -> tuple[SessionTag, ...]:
    entries = value if isinstance(value, list) else []
    if not 1 <= len(entries) <= tags.MAX_SESSION_TAGS:
        problems.add(
            "sessionTags",
            value,
            f"1 to {tags.MAX_SESSION_TAGS} session tags",
            "pulumi config set --path 'sessionTags[0].key' <key> && pulumi config set --path "
            "'sessionTags[0].attribute' app_metadata.<attribute>",
        )
    result = tuple(
        tag for index, entry in enumerate(entries) if (tag := _session_tag(index, entry, problems))
    )
    _check_unique_keys([tag.key for tag in result], "sessionTags", problems)
    return result


def _session_tag(index: int, entry: Any, problems: _Problems) -> SessionTag | None:
    path = f"sessionTags[{index}]"
    if not isinstance(entry, dict):
        problems.add(path, entry, "an object with key and attribute")
        return None
    _check_fields(path, entry, ("key", "attribute"), problems)
    key, attribute = entry.get("key"), entry.get("attribute")
    problem = tags.session_tag_key_problem(key)
    if problem:
        problems.add(f"{path}.key", key, problem)
    if not _is_app_metadata_path(attribute):
        problems.add(
            f"{path}.attribute",
            attribute,
            "a path under app_metadata such as app_metadata.cost_center (user_metadata is "
            "editable by the user and other sources are not allowed)",
        )
    return SessionTag(str(key), str(attribute))


def _is_app_metadata_path(attribute: Any) -> bool:
    return (
        isinstance(attribute, str)
        and attribute.startswith("app_metadata.")
        and ATTRIBUTE_PATH.fullmatch(attribute) is not None
    )


def _check_fields(
    path: str, entry: Mapping[str, Any], allowed: tuple[str, ...], problems: _Problems
) -> None:
    for name in sorted(set(entry) - set(allowed)):
        problems.add(
            f"{path}.{name}",
            entry[name],
            f"only the fields {', '.join(allowed)}",
            f"pulumi config rm --path '{path}.{name}'",
        )


def _check_unique_keys(keys: list[str], path: str, problems: _Problems) -> None:
    seen: dict[str, str] = {}
    for key in keys:
        earlier = seen.setdefault(key.lower(), key)
        if earlier is not key:
            problems.add(
                path,
                [earlier, key],
                "tag keys that differ other than by case (AWS treats tag keys case-insensitively)",
            )


def _access_tag_key(value: Any, session_tags: tuple[SessionTag, ...], problems: _Problems) -> str:
    key = str(value or "")
    keys = [tag.key for tag in session_tags]
    if key in keys or not keys:
        return key
    spelled = [known for known in keys if known.lower() == key.lower()]
    expected = (
        f"the same spelling as sessionTags ('{spelled[0]}'); IAM compares tag keys exactly here"
        if spelled
        else f"one of the session-tag keys {keys}"
    )
    problems.add("accessTagKey", key, expected)
    return key


def _session_name_attribute(value: Any, problems: _Problems) -> str:
    attribute = str(value or "")
    if attribute in SESSION_NAME_ATTRIBUTES or _is_app_metadata_path(attribute):
        return attribute
    problems.add(
        "roleSessionNameAttribute",
        attribute,
        f"one of {', '.join(SESSION_NAME_ATTRIBUTES)} or a path under app_metadata",
    )
    return attribute


def _instances(
    value: Any, default_type: Any, session_tags: tuple[SessionTag, ...], problems: _Problems
) -> tuple[InstanceSpec, ...]:
    entries = value if isinstance(value, list) else []
    if value is not None and not entries:
        problems.add(
            "instances",
            value,
            "at least one instance with name and tags",
            "pulumi config set --path 'instances[0].name' <name> && pulumi config set --path "
            "'instances[0].tags.<key>' <value>",
        )
    specs = [
        spec
        for index, entry in enumerate(entries)
        if (spec := _instance(index, entry, str(default_type), session_tags, problems))
    ]
    _check_unique_names(specs, problems)
    return tuple(specs)


def _instance(
    index: int,
    entry: Any,
    default_type: str,
    session_tags: tuple[SessionTag, ...],
    problems: _Problems,
) -> InstanceSpec | None:
    path = f"instances[{index}]"
    if not isinstance(entry, dict):
        problems.add(path, entry, "an object with name, tags and optionally instanceType")
        return None
    _check_fields(path, entry, ("name", "tags", "instanceType"), problems)
    name = entry.get("name")
    if not isinstance(name, str) or not INSTANCE_NAME.fullmatch(name):
        problems.add(
            f"{path}.name",
            name,
            "1 to 63 of letters, digits and _ . -, starting with a letter or digit",
        )
    instance_tags = _instance_tags(path, entry.get("tags"), session_tags, problems)
    instance_type = entry.get("instanceType", default_type)
    if not isinstance(instance_type, str) or not re.fullmatch(
        r"[a-z0-9-]+\.[a-z0-9]+", instance_type
    ):
        problems.add(f"{path}.instanceType", instance_type, "an EC2 instance type such as t3.micro")
    return InstanceSpec(str(name), instance_tags, str(instance_type))


def _instance_tags(
    path: str, value: Any, session_tags: tuple[SessionTag, ...], problems: _Problems
) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.add(f"{path}.tags", value, "a map of tags holding every session-tag key")
        return {}
    found = {str(key): item for key, item in value.items()}
    for tag in session_tags:
        _check_abac_tag(f"{path}.tags", found, tag.key, problems)
    abac = {tag.key for tag in session_tags}
    for key, item in found.items():
        if key not in abac:
            _check_resource_tag(f"{path}.tags", key, item, problems)
    if len(found) + 1 > MAX_INSTANCE_TAGS:
        problems.add(
            f"{path}.tags",
            len(found),
            f"at most {MAX_INSTANCE_TAGS - 1} tags (the program adds Name)",
        )
    return {key: str(item) for key, item in found.items()}


def _check_abac_tag(path: str, found: Mapping[str, Any], key: str, problems: _Problems) -> None:
    if key in found:
        problem = tags.session_tag_value_problem(found[key])
        if problem:
            problems.add(f"{path}.{key}", found[key], problem)
        return
    spelled = [other for other in found if other.lower() == key.lower()]
    if spelled:
        problems.add(
            f"{path}.{spelled[0]}",
            found[spelled[0]],
            f"the key spelled '{key}' as in sessionTags (IAM compares it exactly)",
            f"pulumi config rm --path '{path}.{spelled[0]}' && "
            f"pulumi config set --path '{path}.{key}' <value>",
        )
        return
    problems.add(
        f"{path}.{key}",
        None,
        f"a value: every instance carries the session-tag key "
        f"'{key}' or no one can start or stop it",
    )


def _check_resource_tag(path: str, key: str, value: Any, problems: _Problems) -> None:
    if key == "Name":
        problems.add(
            f"{path}.Name",
            value,
            "no Name tag: the program sets it from the instance's name",
            f"pulumi config rm --path '{path}.Name'",
        )
        return
    problem = tags.resource_tag_problem(key, value)
    if problem and key.lower().startswith("aws:"):
        problems.add(f"{path}.{key}", value, problem, f"pulumi config rm --path '{path}.{key}'")
    elif problem:
        problems.add(f"{path}.{key}", value, problem)


def _check_unique_names(specs: list[InstanceSpec], problems: _Problems) -> None:
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.name in seen:
            problems.add(f"instances[{index}].name", spec.name, "a name no other instance has")
        seen.add(spec.name)


def _ami_id(value: Any, problems: _Problems) -> str:
    text = str(value or "")
    if text and not re.fullmatch(r"ami-[0-9a-f]{8,17}", text):
        problems.add("amiId", text, "an AMI id such as ami-0123456789abcdef0, or empty")
    return text


def _auth0_domain(raw: Mapping[str, Any], problems: _Problems) -> str:
    # The Auth0 provider also reads AUTH0_DOMAIN; the program needs the domain for the login URL.
    domain = str(raw.get("auth0:domain") or os.environ.get("AUTH0_DOMAIN") or "")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.[a-z]{2,}", domain):
        problems.add(
            "auth0:domain",
            domain or None,
            "the tenant's domain, e.g. example.us.auth0.com (no https://), in config or "
            "AUTH0_DOMAIN",
            "pulumi config set auth0:domain <tenant>.us.auth0.com",
        )
    return domain


def _application_name(value: Any, problems: _Problems) -> str:
    text = str(value or "")
    if not 1 <= len(text) <= 255 or "<" in text or ">" in text:
        problems.add("auth0ApplicationName", text, "1 to 255 characters without < or >")
    return text


def _flow(value: Any, problems: _Problems) -> str:
    text = str(value or "")
    if text not in FLOWS:
        problems.add("auth0Flow", text, "rule or action")
    return text


def _sample_users(
    value: Any, instances: tuple[InstanceSpec, ...], problems: _Problems
) -> tuple[Mapping[str, Any], ...]:
    check_sample_users(value, (spec.name for spec in instances), problems.add)
    entries = value if isinstance(value, list) else []
    return tuple(entry for entry in entries if isinstance(entry, dict))


def _check_default_tags(
    raw: Mapping[str, Any], session_tags: tuple[SessionTag, ...], problems: _Problems
) -> None:
    text = raw.get("aws:defaultTags")
    if text is None:
        return
    try:
        default_tags = (json.loads(text) if isinstance(text, str) else text).get("tags") or {}
    except (json.JSONDecodeError, AttributeError):
        problems.add("aws:defaultTags", text, "an object with a tags map")
        return
    abac = {tag.key.lower() for tag in session_tags}
    for key in sorted(default_tags):
        if key.lower() in abac:
            problems.add(
                f"aws:defaultTags.tags.{key}",
                default_tags[key],
                "no session-tag key in provider default tags (it would stamp every instance "
                "with one cost center); set it per instance instead",
                f"pulumi config rm --path 'aws:defaultTags.tags.{key}'",
            )
