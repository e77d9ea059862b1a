"""Fixtures of the core app's tests: the permission matrix's cast (tests/remediation/matrix.py), hook registries."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from remediation.choices import Role
from tests.factories import UserFactory
from tests.remediation.matrix import ADMIN, ANON, APPROVER, DEACTIVATED, DEMOTED, OPERATOR, VIEWER


def _member(username: str, role: Role | None, **extra: Any) -> Any:
    user = UserFactory(username=username, is_staff=True, **extra)  # staff for all: the admin is checked too
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def cast(tmp_path, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Each member's user (None for anonymous) and a signed-in client; the last two lose access mid-session."""
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    roles = {VIEWER: Role.VIEWER, OPERATOR: Role.OPERATOR, APPROVER: Role.APPROVER, ADMIN: Role.ADMIN}
    users: dict[str, Any] = {name: _member(name, role) for name, role in roles.items()}
    users[DEACTIVATED] = _member(DEACTIVATED, Role.OPERATOR)
    users[DEMOTED] = _member(DEMOTED, Role.OPERATOR)
    clients = {ANON: Client()}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    users[DEACTIVATED].is_active = False  # after signing in: the session outlives the account
    users[DEACTIVATED].save()
    users[DEMOTED].groups.clear()
    return {"users": {ANON: None, **users}, "clients": clients}


@pytest.fixture
def hook_registry(monkeypatch):  # type: ignore[no-untyped-def]
    """remediation.hooks with a private copy of what the apps registered: a test may add or remove hooks freely."""
    from remediation import hooks

    monkeypatch.setattr(hooks, "_registry", {kind: dict(found) for kind, found in hooks._registry.items()})
    return hooks
