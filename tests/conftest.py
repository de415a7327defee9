"""Fixtures shared by the policy-pack tests."""

from collections.abc import Iterator

import pytest

from offline import analyzer


@pytest.fixture(scope="module")
def pack() -> Iterator[analyzer.PolicyPackProcess]:
    """The policy pack's own process, configured with its defaults, for one test module."""
    with analyzer.PolicyPackProcess() as process:
        process.configure(analyzer.policy_config_request(process.info(), {}))
        yield process
