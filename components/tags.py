"""AWS rules for session tags, resource tags, partitions and sign-in endpoints.

Session-tag keys and values may hold letters of any script, digits, white space and
`_ . : / = + - @`; keys are 1 to 128 characters and values up to 256. One assertion carries at most
50 session tags, and keys starting with `aws:` are reserved.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_SESSION_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
TAG_PUNCTUATION = frozenset("_.:/=+-@")
ALLOWED_DESCRIPTION = "letters, digits, spaces and _ . : / = + - @"

PARTITION_SIGNIN_HOSTS = {
    "aws": "signin.aws.amazon.com",
    "aws-cn": "signin.amazonaws.cn",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
}


def is_tag_character(char: str) -> bool:
    """True for a character AWS accepts in a tag key or value."""
    category = unicodedata.category(char)
    return category[0] in "LNZ" or char in TAG_PUNCTUATION


def has_only_tag_characters(text: str) -> bool:
    return all(is_tag_character(char) for char in text)


def session_tag_key_problem(key: Any) -> str | None:
    """What is wrong with a session-tag key, or None when AWS accepts it."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        return f"a session-tag key of 1 to {MAX_KEY_LENGTH} characters"
    if key.lower().startswith("aws:"):
        return "a key without the reserved aws: prefix"
    if key != key.strip():
        return "a key without leading or trailing spaces (policies could never name it)"
    if not has_only_tag_characters(key):
        return f"a session-tag key of {ALLOWED_DESCRIPTION}"
    return None


def session_tag_value_problem(value: Any) -> str | None:
    """What is wrong with a value a session tag must be able to equal, or None."""
    if not isinstance(value, str) or not value:
        return "a non-empty string (a session tag can never equal an empty or missing value)"
    if len(value) > MAX_VALUE_LENGTH:
        return f"at most {MAX_VALUE_LENGTH} characters"
    if not has_only_tag_characters(value):
        return f"only {ALLOWED_DESCRIPTION}, so that a session tag can carry it"
    return None


def resource_tag_problem(key: str, value: Any) -> str | None:
    """What is wrong with an ordinary EC2 tag, or None."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or key.lower().startswith("aws:"):
        return f"a tag key of 1 to {MAX_KEY_LENGTH} characters without the aws: prefix"
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        return f"a string of at most {MAX_VALUE_LENGTH} characters"
    return None


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def global_signin_url(partition: str) -> str:
    return f"https://{PARTITION_SIGNIN_HOSTS[partition]}/saml"


def signin_urls_for(partition: str, region: str) -> tuple[str, str]:
    """The global and the regional SAML endpoint of a partition."""
    host = PARTITION_SIGNIN_HOSTS[partition]
    return f"https://{host}/saml", f"https://{region or 'us-east-1'}.{host}/saml"


def is_signin_url(url: str, partition: str) -> bool:
    """True for the partition's global or a regional AWS SAML sign-in endpoint."""
    host = re.escape(PARTITION_SIGNIN_HOSTS[partition])
    return re.fullmatch(rf"https://([a-z]{{2}}(-[a-z]+)+-\d\.)?{host}/saml", url) is not None
