"""Checks SAML attributes the way AWS STS reads them in AssumeRoleWithSAML.

The input is the attribute map an Auth0 login would send (attribute name to one value or a list
of values); the output is one sentence per problem, empty when AWS would accept the assertion.
AWS matches attribute names exactly, so a name that is almost right is reported rather than
ignored: AWS would silently drop it and the login would fail or lose its session tags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

AttributeValue = str | Sequence[str]

AWS_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ROLE = AWS_PREFIX + "Role"
ROLE_SESSION_NAME = AWS_PREFIX + "RoleSessionName"
SESSION_DURATION = AWS_PREFIX + "SessionDuration"
SOURCE_IDENTITY = AWS_PREFIX + "SourceIdentity"
TRANSITIVE_TAG_KEYS = AWS_PREFIX + "TransitiveTagKeys"
PRINCIPAL_TAG = AWS_PREFIX + "PrincipalTag:"
FIXED_NAMES = (ROLE, ROLE_SESSION_NAME, SESSION_DURATION, SOURCE_IDENTITY, TRANSITIVE_TAG_KEYS)

PARTITION = r"arn:(?:aws|aws-cn|aws-us-gov)"
ROLE_ARN = re.compile(PARTITION + r":iam::\d{12}:role/[\w+=,.@/-]{1,512}$", re.ASCII)
PROVIDER_ARN = re.compile(PARTITION + r":iam::\d{12}:saml-provider/[\w.-]{1,128}$", re.ASCII)
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
TAG_SYMBOLS = frozenset("_.:/=+-@")
MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS = 128, 256, 50
MIN_DURATION, MAX_DURATION = 900, 43200


def check_saml_attributes(
    attributes: Mapping[str, AttributeValue],
    role_arn: str | None = None,
    provider_arn: str | None = None,
) -> list[str]:
    """Every reason AWS would refuse or misread these attributes; empty when they are valid.

    With `role_arn` and `provider_arn` the Role attribute must name exactly the stack's role and
    SAML provider.
    """
    problems = _name_problems(attributes)
    problems += _role_problems(attributes.get(ROLE), role_arn, provider_arn)
    problems += _session_name_problems(attributes.get(ROLE_SESSION_NAME))
    problems += _optional_problems(attributes)
    problems += _tag_problems(attributes)
    return problems


def _name_problems(attributes: Mapping[str, AttributeValue]) -> list[str]:
    problems = []
    for name in attributes:
        if name in FIXED_NAMES or name.startswith(PRINCIPAL_TAG):
            continue
        meant = _meant_name(name)
        if meant is not None:
            problems.append(
                f"attribute '{name}' is not '{meant}'; AWS matches attribute names exactly "
                "and ignores this one."
            )
    return problems


def _meant_name(name: str) -> str | None:
    """The AWS attribute a near-miss name was probably meant to be, or None if it is unrelated."""
    lowered = name.lower()
    bare = "://" not in lowered and not lowered.startswith("urn:")
    if "amazon" not in lowered and not bare:
        return None

    tag = re.search(r"principaltag[:/]?(.*)$", name, re.IGNORECASE)
    if tag is not None:
        return PRINCIPAL_TAG + tag.group(1)
    for canonical in FIXED_NAMES:
        short = canonical.removeprefix(AWS_PREFIX).lower()
        if lowered == short or lowered.endswith(("/" + short, ":" + short)):
            return canonical
    return None


def _single(name: str, value: AttributeValue | None) -> tuple[str | None, list[str]]:
    """The one string a single-valued attribute carries, or the problem with it."""
    if isinstance(value, str):
        return value, []
    if isinstance(value, Sequence) and len(value) == 1 and isinstance(value[0], str):
        return value[0], []
    if value is None:
        return None, []
    return None, [f"attribute '{name}' must carry exactly one text value, got {value!r}."]


def _role_problems(
    value: AttributeValue | None, role_arn: str | None, provider_arn: str | None
) -> list[str]:
    role, problems = _single(ROLE, value)
    if problems:
        return problems
    if role is None:
        return [f"attribute '{ROLE}' is missing; AWS needs '<role ARN>,<SAML provider ARN>'."]

    parts = role.split(",")
    if len(parts) != 2:
        return [f"attribute '{ROLE}' is '{role}'; expected '<role ARN>,<SAML provider ARN>'."]
    if parts != [part.strip() for part in parts]:
        return [f"attribute '{ROLE}' is '{role}'; the two ARNs must not be padded with spaces."]
    return _role_pair_problems(role, parts[0], parts[1], role_arn, provider_arn)


def _role_pair_problems(
    role: str, first: str, second: str, role_arn: str | None, provider_arn: str | None
) -> list[str]:
    if PROVIDER_ARN.match(first) and ROLE_ARN.match(second):
        return [f"attribute '{ROLE}' is '{role}'; put the role ARN first, then the provider ARN."]
    problems = []
    if not ROLE_ARN.match(first):
        problems.append(f"attribute '{ROLE}' starts with '{first}', which is not an IAM role ARN.")
    if not PROVIDER_ARN.match(second):
        problems.append(
            f"attribute '{ROLE}' ends with '{second}', which is not an IAM SAML provider ARN."
        )
    if role_arn is not None and first != role_arn:
        problems.append(
            f"attribute '{ROLE}' names role '{first}'; the stack's role is '{role_arn}'."
        )
    if provider_arn is not None and second != provider_arn:
        problems.append(
            f"attribute '{ROLE}' names provider '{second}'; "
            f"the stack's SAML provider is '{provider_arn}'."
        )
    return problems


def _session_name_problems(value: AttributeValue | None) -> list[str]:
    name, problems = _single(ROLE_SESSION_NAME, value)
    if problems:
        return problems
    if name is None:
        return [f"attribute '{ROLE_SESSION_NAME}' is missing; AWS requires it."]
    if not SESSION_NAME.match(name):
        return [
            f"attribute '{ROLE_SESSION_NAME}' is '{name}'; AWS accepts 2 to 64 characters of "
            "A-Z a-z 0-9 and _ + = , . @ -."
        ]
    return []


def _optional_problems(attributes: Mapping[str, AttributeValue]) -> list[str]:
    checks: dict[str, Callable[[str], str | None]] = {
        SESSION_DURATION: _duration_problem,
        SOURCE_IDENTITY: _source_identity_problem,
    }
    problems = []
    for name, check in checks.items():
        if name not in attributes:
            continue
        text, shape_problems = _single(name, attributes[name])
        problem = check(text) if text is not None else None
        problems += shape_problems + ([problem] if problem else [])
    return problems


def _duration_problem(text: str) -> str | None:
    if text.isascii() and text.isdigit() and MIN_DURATION <= int(text) <= MAX_DURATION:
        return None
    return (
        f"attribute '{SESSION_DURATION}' is '{text}'; AWS accepts a whole number of seconds "
        f"from {MIN_DURATION} to {MAX_DURATION}."
    )


def _source_identity_problem(text: str) -> str | None:
    if SESSION_NAME.match(text) and not text.lower().startswith("aws:"):
        return None
    return f"attribute '{SOURCE_IDENTITY}' is '{text}', which AWS does not accept."


def _tag_problems(attributes: Mapping[str, AttributeValue]) -> list[str]:
    tags = {
        name.removeprefix(PRINCIPAL_TAG): value
        for name, value in attributes.items()
        if name.startswith(PRINCIPAL_TAG)
    }
    problems = []
    for key, value in tags.items():
        problems += _tag_key_problems(key) + _tag_value_problems(key, value)
    problems += _tag_set_problems(list(tags))
    problems += _transitive_problems(attributes.get(TRANSITIVE_TAG_KEYS), list(tags))
    return problems


def _is_tag_text(text: str) -> bool:
    """AWS tag text: letters and digits of any script, separators and _ . : / = + - @."""
    return all(unicodedata.category(char)[0] in "LNZ" or char in TAG_SYMBOLS for char in text)


def _tag_key_problems(key: str) -> list[str]:
    name = PRINCIPAL_TAG + key
    if not 1 <= len(key) <= MAX_TAG_KEY or not _is_tag_text(key):
        return [
            f"attribute '{name}' has tag key '{key}'; AWS accepts 1 to {MAX_TAG_KEY} letters, "
            "digits, spaces and _ . : / = + - @."
        ]
    if key.lower().startswith("aws:"):
        return [f"attribute '{name}' uses the reserved 'aws:' prefix in its tag key."]
    return []


def _tag_value_problems(key: str, value: AttributeValue) -> list[str]:
    name = PRINCIPAL_TAG + key
    text, problems = _single(name, value)
    if problems or text is None:
        return problems
    if not 1 <= len(text) <= MAX_TAG_VALUE or not _is_tag_text(text):
        return [
            f"attribute '{name}' is '{text}'; AWS accepts 1 to {MAX_TAG_VALUE} letters, digits, "
            "spaces and _ . : / = + - @."
        ]
    return []


def _tag_set_problems(keys: list[str]) -> list[str]:
    problems = []
    if len(keys) > MAX_TAGS:
        problems.append(f"{len(keys)} principal tags are sent; AWS accepts at most {MAX_TAGS}.")
    seen: dict[str, str] = {}
    for key in keys:
        earlier = seen.setdefault(key.lower(), key)
        if earlier != key:
            problems.append(
                f"principal tags '{earlier}' and '{key}' differ only in case; AWS treats tag "
                "keys case-insensitively and refuses the duplicate."
            )
    return problems


def _transitive_problems(value: AttributeValue | None, keys: list[str]) -> list[str]:
    if value is None:
        return []
    transitive = [value] if isinstance(value, str) else list(value)
    known = {key.lower() for key in keys}
    return [
        f"attribute '{TRANSITIVE_TAG_KEYS}' lists '{key}', which is not a principal tag sent "
        "in this assertion."
        for key in transitive
        if str(key).lower() not in known
    ]
