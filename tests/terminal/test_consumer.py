"""/ws/terminal/<server>/ through config.asgi.application (origin check, session cookie) against a real sshd."""

from __future__ import annotations

import pytest
from django.test import Client

from remediation.models import AuditEvent
from terminal.choices import EndReason, SessionStatus
from terminal.models import TerminalSession
from terminal.recordings import read_cast, resolve
from tests.factories import TerminalGrantFactory
from tests.terminal.conftest import Terminal, run_async

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_part]

# `$((6*7))` is what the user types; only the shell's output contains "42", so the echo of the input never matches.
ECHO = "echo marker-$((6*7))-done\r"


def test_it_rejects_an_anonymous_connection(ssh_server) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[bool, int | None]:
        terminal = Terminal(ssh_server.pk, None)
        return await terminal.connect()

    assert run_async(scenario()) == (False, 4401)


def test_it_rejects_users_without_the_permission_or_a_grant(ssh_server, viewer, operator) -> None:  # type: ignore[no-untyped-def]
    async def scenario(user) -> tuple[bool, int | None]:  # type: ignore[no-untyped-def]
        return await Terminal(ssh_server.pk, user).connect()

    assert run_async(scenario(viewer)) == (False, 4403)  # no remediation.open_terminal
    assert run_async(scenario(operator)) == (False, 4403)  # the permission, but no grant for this server
    assert not TerminalSession.objects.exists()


def test_it_refuses_a_server_whose_host_key_is_not_pinned(ssh_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    ssh_server.host_key = ssh_server.host_key_type = ""
    ssh_server.save()

    async def scenario() -> tuple[dict, int | None]:  # type: ignore[type-arg]
        terminal = Terminal(ssh_server.pk, admin_user)
        assert (await terminal.connect())[0]
        closed = await terminal.control("closed")
        code = await terminal.wait_closed()
        await terminal.disconnect()
        return closed, code

    closed, code = run_async(scenario())
    assert closed["reason"] == "host_key" and "not pinned" in closed["message"]
    assert code == 4000
    assert not TerminalSession.objects.exists()
    refused = AuditEvent.objects.get(action="terminal.refused")
    assert refused.actor == admin_user and refused.reason.startswith("host_key")


def test_it_runs_a_command_for_a_granted_operator_and_audits_the_session(ssh_server, operator) -> None:  # type: ignore[no-untyped-def]
    TerminalGrantFactory(user=operator, server=None, tag="web")

    async def scenario() -> bytes:
        terminal = Terminal(ssh_server.pk, operator)
        assert (await terminal.connect())[0]
        status = await terminal.control("status")
        assert status["state"] == "connected" and status["server"] == "web-1"
        await terminal.type(ECHO)
        output = await terminal.read_until(b"marker-42-done")
        await terminal.disconnect()
        return output

    assert b"marker-42-done" in run_async(scenario())
    session = TerminalSession.objects.get()
    assert session.status == SessionStatus.CLOSED and session.end_reason == EndReason.USER_CLOSED
    assert session.user == operator and session.server == ssh_server
    assert session.bytes_in == len(ECHO) and session.bytes_out > 0
    opened = AuditEvent.objects.get(action="terminal.opened")
    closed = AuditEvent.objects.get(action="terminal.closed")
    assert opened.object_id == closed.object_id == str(session.pk)
    assert closed.after["reason"] == "user_closed"
    assert closed.after["bytes_in"] == session.bytes_in and closed.after["bytes_out"] == session.bytes_out
    assert AuditEvent.objects.filter(action="credential.used", actor=operator).exists()


def test_it_resizes_the_pty(ssh_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> bytes:
        terminal = Terminal(ssh_server.pk, admin_user, cols=100, rows=30)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await terminal.type("stty size; echo size-$((1+1))\r")
        await terminal.read_until(b"size-2")
        assert b"30 100" in terminal.output
        await terminal.send(type="resize", cols=132, rows=43)
        await terminal.type("stty size; echo size-$((1+2))\r")
        output = await terminal.read_until(b"size-3")
        await terminal.disconnect()
        return output

    assert b"43 132" in run_async(scenario())


def test_it_closes_an_idle_session_and_says_why(ssh_server, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_IDLE_TIMEOUT = 1

    async def scenario() -> tuple[dict, int | None]:  # type: ignore[type-arg]
        terminal = Terminal(ssh_server.pk, admin_user)
        assert (await terminal.connect())[0]
        closed = await terminal.control("closed", timeout=10)
        code = await terminal.wait_closed()
        await terminal.disconnect()
        return closed, code

    closed, code = run_async(scenario())
    assert closed == {"type": "closed", "reason": "idle_timeout", "message": "Idle timeout"}
    assert code == 4000
    session = TerminalSession.objects.get()
    assert session.end_reason == EndReason.IDLE_TIMEOUT and session.ended_at is not None
    assert AuditEvent.objects.get(action="terminal.closed").after["reason"] == "idle_timeout"


def test_it_limits_open_sessions_per_user(ssh_server, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_MAX_SESSIONS_PER_USER = 1

    async def scenario() -> dict:  # type: ignore[type-arg]
        first, second = Terminal(ssh_server.pk, admin_user), Terminal(ssh_server.pk, admin_user)
        assert (await first.connect())[0]
        await first.control("status")
        assert (await second.connect())[0]
        closed = await second.control("closed")
        await second.disconnect()
        await first.disconnect()
        return closed

    assert run_async(scenario())["reason"] == "too_many_sessions"
    assert TerminalSession.objects.count() == 1


def test_it_records_the_session_and_replays_it(ssh_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        terminal = Terminal(ssh_server.pk, admin_user, cols=90, rows=25)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await terminal.type(ECHO)
        await terminal.read_until(b"marker-42-done")
        await terminal.disconnect()

    run_async(scenario())
    session = TerminalSession.objects.get()
    cast = read_cast(resolve(session.recording_path))
    assert cast.header["version"] == 2 and (cast.header["width"], cast.header["height"]) == (90, 25)
    assert cast.header["title"] == "admin@web-1"
    assert "marker-42-done" in cast.output_text()
    assert not [e for e in cast.events if e[1] == "i"]  # input recording is off by default
    assert session.bytes_out == len(cast.output_text().encode())
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/terminal/sessions/{session.uuid}/")
    assert page.status_code == 200 and b'id="player"' in page.content
    replay = client.get(f"/terminal/sessions/{session.uuid}/recording.cast")
    assert replay.status_code == 200 and b"marker-42-done" in b"".join(replay.streaming_content)


def open_and_close(server_id: int, user, **options) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        terminal = Terminal(server_id, user, **options)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await terminal.disconnect()

    run_async(scenario())


SPOOFED = ((b"x-forwarded-for", b"203.0.113.9, 198.51.100.7"),)


def test_it_ignores_a_spoofed_forwarded_header_without_trusted_proxies(ssh_server, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 0
    open_and_close(ssh_server.pk, admin_user, peer="10.9.8.7", headers=SPOOFED)
    assert TerminalSession.objects.get().client_ip == "10.9.8.7"
    events = AuditEvent.objects.filter(action__in=["terminal.opened", "terminal.closed"])
    assert sorted(e.ip for e in events) == ["10.9.8.7", "10.9.8.7"]
    assert AuditEvent.objects.get(action="terminal.opened").after["client_ip"] == "10.9.8.7"


def test_it_takes_the_right_most_forwarded_hop_behind_one_trusted_proxy(ssh_server, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    open_and_close(ssh_server.pk, admin_user, peer="10.9.8.7", headers=SPOOFED)
    assert TerminalSession.objects.get().client_ip == "198.51.100.7"
    events = AuditEvent.objects.filter(action__in=["terminal.opened", "terminal.closed"])
    assert sorted(e.ip for e in events) == ["198.51.100.7", "198.51.100.7"]
