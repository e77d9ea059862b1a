"""Open terminals (real sshd) end within seconds, with a stored, shown and audited reason, when access goes away."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.test import Client

from remediation.models import AuditEvent, TerminalGrant
from remediation.roles import Role
from terminal.choices import EndReason, SessionStatus
from terminal.models import TerminalSession
from tests.factories import TerminalGrantFactory
from tests.terminal.conftest import Terminal, run_async

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_part]

PROMPT_CHECK = "echo still-$((2+3))-here\r"


@pytest.fixture(autouse=True)
def _no_periodic_recheck(settings) -> None:  # type: ignore[no-untyped-def]
    """Only the message sent after commit can end a session in time (the safety net is 10 minutes away)."""
    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 600


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def end_session(server_id: int, user: Any, action: Callable[[], Any], client: Client | None = None) -> dict[str, Any]:
    """Open a terminal, check it works, run `action` (sync, e.g. an admin request); return the `closed` message."""

    async def scenario() -> dict[str, Any]:
        terminal = Terminal(server_id, user, client=client)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await terminal.type(PROMPT_CHECK)
        await terminal.read_until(b"still-5-here")
        await database_sync_to_async(action)()
        closed = await terminal.control("closed", timeout=5)
        assert await terminal.wait_closed(timeout=5) == 4000
        await terminal.disconnect()
        return closed

    return run_async(scenario())


def assert_ended(reason: str, label: str, closed: dict[str, Any]) -> None:
    assert closed == {"type": "closed", "reason": reason, "message": label}
    session = TerminalSession.objects.get()
    assert session.status == SessionStatus.CLOSED and session.end_reason == reason
    assert AuditEvent.objects.get(action="terminal.closed").after["reason"] == reason


def test_it_ends_the_session_when_an_admin_revokes_the_grant(ssh_server, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    grant = TerminalGrantFactory(user=operator, server=ssh_server)
    admin = signed_in(admin_user)

    def revoke() -> None:
        response = admin.post(f"/admin/remediation/terminalgrant/{grant.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302

    assert_ended(EndReason.ACCESS_REVOKED, "Access revoked", end_session(ssh_server.pk, operator, revoke))
    assert not TerminalGrant.objects.exists()
    assert AuditEvent.objects.filter(action="terminalgrant.deleted", actor=admin_user).exists()


def test_it_ends_the_session_when_the_role_loses_the_permission(ssh_server, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    TerminalGrantFactory(user=operator, server=None, tag="web")
    role = Group.objects.get(name=Role.OPERATOR.value)
    kept = [p.pk for p in role.permissions.all() if p.codename != "open_terminal"]
    admin = signed_in(admin_user)

    def strip_permission() -> None:
        response = admin.post(f"/admin/auth/group/{role.pk}/change/", {"name": role.name, "permissions": kept})
        assert response.status_code == 302

    assert_ended(EndReason.ACCESS_REVOKED, "Access revoked", end_session(ssh_server.pk, operator, strip_permission))


def test_it_ends_the_session_when_an_admin_deactivates_the_user(ssh_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    # A second admin deactivates the first (an admin opens any server without a grant).
    other = signed_in(type(admin_user).objects.create_superuser("root2", "root2@example.test", "x" * 20))
    joined = admin_user.date_joined

    def deactivate() -> None:
        form = {
            "username": admin_user.username,
            "email": admin_user.email,
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [g.pk for g in admin_user.groups.all()],
            "user_permissions": [],
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        }
        response = other.post(f"/admin/auth/user/{admin_user.pk}/change/", form)
        assert response.status_code == 302, response.content[-3000:]

    assert_ended(EndReason.ACCESS_REVOKED, "Access revoked", end_session(ssh_server.pk, admin_user, deactivate))
    admin_user.refresh_from_db()
    assert not admin_user.is_active


def test_it_ends_the_session_when_its_user_signs_out(ssh_server, operator) -> None:  # type: ignore[no-untyped-def]
    TerminalGrantFactory(user=operator, server=ssh_server)
    browser = signed_in(operator)

    def sign_out() -> None:
        assert browser.post("/logout/").status_code == 302

    assert_ended(EndReason.LOGGED_OUT, "Signed out", end_session(ssh_server.pk, operator, sign_out, client=browser))
    assert AuditEvent.objects.filter(action="user.logged_out", actor=operator).exists()


def test_it_keeps_the_session_when_the_user_signs_out_of_another_browser(ssh_server, operator) -> None:  # type: ignore[no-untyped-def]
    TerminalGrantFactory(user=operator, server=ssh_server)
    browser, elsewhere = signed_in(operator), signed_in(operator)

    async def scenario() -> dict[str, Any]:
        terminal = Terminal(ssh_server.pk, operator, client=browser)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await database_sync_to_async(elsewhere.post)("/logout/")
        await asyncio.sleep(1.5)  # time for the re-check the other browser's sign-out asked for
        await terminal.drain()
        assert terminal.close_code is None and [c["type"] for c in terminal.controls] == ["status"]
        await terminal.type(PROMPT_CHECK)
        await terminal.read_until(b"still-5-here")
        await database_sync_to_async(browser.post)("/admin/logout/")  # the admin's sign-out is the portal's
        closed = await terminal.control("closed", timeout=5)
        await terminal.disconnect()
        return closed

    assert run_async(scenario())["reason"] == EndReason.LOGGED_OUT
    assert AuditEvent.objects.filter(action="user.logged_out", actor=operator).count() == 2


def test_it_ends_the_session_on_the_periodic_recheck_of_a_change_made_elsewhere(ssh_server, operator, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 1
    TerminalGrantFactory(user=operator, server=ssh_server)

    def delete_in_database() -> None:
        TerminalGrant.objects.all().delete()  # no service, no message: only the periodic re-check sees it

    assert_ended(EndReason.ACCESS_REVOKED, "Access revoked", end_session(ssh_server.pk, operator, delete_in_database))
