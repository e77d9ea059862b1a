"""Fixtures of the runbooks tests: the real HTTP server (httpd.py), the default command policy, the fake executor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.runbooks import fakes
from tests.runbooks.httpd import http_server  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _default_command_policy(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the tables between tests, data-migration rows included: re-seed the blocklist."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from runbooks.models import CommandPolicyRule
    from runbooks.policy_defaults import DEFAULT_RULES

    for name, pattern, description, overridable in DEFAULT_RULES:
        CommandPolicyRule.objects.get_or_create(
            name=name, defaults={"pattern": pattern, "description": description, "overridable": overridable}
        )


@pytest.fixture
def script_executor() -> Iterator[list[tuple[str, str, str]]]:
    fakes.install()
    yield fakes.CALLS
    fakes.uninstall()
