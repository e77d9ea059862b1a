"""Shared fixtures: the fixed cast of users, API clients, and per-test isolation."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from alerts.services.rules import invalidate_rules
from alerts.services.webhook_tokens import forget_webhook_tokens
from remediation.choices import Role
from tests import sshd as sshd_module
from tests.factories import UserFactory
from tests.realparts import need_sshd


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache, compiled rules and known tokens in the process: no test inherits them."""
    cache.clear()
    forget_process_caches()
    yield
    cache.clear()
    forget_process_caches()


def forget_process_caches() -> None:
    invalidate_rules()
    forget_webhook_tokens()


def _member(role: Role | None, username: str, **extra: object):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return _member(Role.ADMIN, "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def role_admin(db):  # type: ignore[no-untyped-def]
    """The Admin role with staff access but not superuser: all the product grants, nothing beyond it."""
    return _member(Role.ADMIN, "roleadmin", is_staff=True)


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


# --- a real OpenSSH server (tests/sshd.py) ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def sshd_password() -> str:
    """The test user's password (shared by concurrent sessions; set with chpasswd when the first sshd starts)."""
    need_sshd()
    password = sshd_module.shared_password()
    sshd_module.ensure_test_user(password)
    return password


@pytest.fixture(scope="session")
def sshd_factory(sshd_password: str) -> Iterator[Callable[..., sshd_module.SSHServer]]:
    """sshd_factory(host_key_type='ed25519', password_authentication=True) → another SSHServer on its own port."""
    need_sshd()
    started: list[tuple[sshd_module.SSHServer, Path]] = []

    def start(host_key_type: str = "ed25519", password_authentication: bool = True) -> sshd_module.SSHServer:
        # Not under pytest's basetemp: that tree is 0700 and sshd reads authorized_keys as the test user.
        directory = Path(tempfile.mkdtemp(prefix="rm-sshfixture-"))
        server = sshd_module.start_sshd(
            directory, sshd_password, host_key_type, password_authentication=password_authentication
        )
        started.append((server, directory))
        return server

    yield start
    for server, directory in started:
        server.stop()
        if not os.environ.get("KEEP_SSHD_DIRS"):  # set it to read sshd's logs after a failure
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def sshd(sshd_factory) -> sshd_module.SSHServer:  # type: ignore[no-untyped-def]
    """The shared sshd of the session (do not restart it; use sshd_factory for a server of your own)."""
    return sshd_factory()


@pytest.fixture
def own_sshd(sshd_factory) -> Iterator[sshd_module.SSHServer]:  # type: ignore[no-untyped-def]
    """A fresh sshd for one test (safe to restart or re-key); stopped when the test ends."""
    server = sshd_factory()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ssh_client_keys(sshd: sshd_module.SSHServer) -> dict[str, sshd_module.ClientKey]:
    """Authorized client keys by name: rsa / ecdsa / ed25519 × openssh / pem, plus 'ed25519_encrypted'."""
    directory = Path(tempfile.mkdtemp(prefix="rm-sshfixture-keys-"))
    keys = {
        f"{kind}_{fmt}": sshd_module.make_client_key(directory, kind, fmt)
        for kind in ("rsa", "ecdsa", "ed25519")
        for fmt in ("openssh", "pem")
    }
    keys["ed25519_encrypted"] = sshd_module.make_client_key(directory, "ed25519", passphrase="pass-" + "phrase-42")
    keys["rsa_pem_encrypted"] = sshd_module.make_client_key(directory, "rsa", "pem", passphrase="pem-" + "phrase-42")
    shutil.rmtree(directory, ignore_errors=True)
    return keys


@pytest.fixture(scope="session")
def authorized_keys(sshd, ssh_client_keys):  # type: ignore[no-untyped-def]
    """The shared sshd with every key of ssh_client_keys authorized."""
    for key in ssh_client_keys.values():
        sshd.authorize(key)
    return ssh_client_keys


@pytest.fixture
def blackhole_port() -> Iterator[int]:
    """A loopback port that accepts TCP connections but never sends an SSH banner."""
    sock = sshd_module.blackhole_listener()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def unreachable_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    return sshd_module.free_port()


from tests.receivers import receiver, smtp_server  # noqa: E402, F401  (notification receivers on loopback)
from tests.webhooks import (  # noqa: E402, F401  (fixtures shared by alerts and rules tests)
    both_hook_clients,
    hook_client,
    post_hook,
    task_queue,
    webhook_token,
)
