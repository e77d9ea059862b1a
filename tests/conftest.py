"""Shared fixtures: the fixed cast of users, API clients, and per-test isolation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from remediation.choices import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


def _member(role: Role | None, username: str, **extra: object):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return _member(Role.ADMIN, "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def operator(db):  # type: ignore[no-untyped-def]
    return _member(Role.OPERATOR, "operator")


@pytest.fixture
def approver(db):  # type: ignore[no-untyped-def]
    return _member(Role.APPROVER, "approver")


@pytest.fixture
def viewer(db):  # type: ignore[no-untyped-def]
    return _member(Role.VIEWER, "viewer")


@pytest.fixture
def stranger(db):  # type: ignore[no-untyped-def]
    """Signed in, but holding no role."""
    return _member(None, "stranger")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient):  # type: ignore[no-untyped-def]
    """api_as(user) → an APIClient authenticated as that user."""

    def login(user):  # type: ignore[no-untyped-def]
        api.force_authenticate(user)
        return api

    return login


from tests.webhooks import (  # noqa: E402, F401  (fixtures shared by alerts and rules tests)
    post_hook,
    task_queue,
    webhook_token,
)
