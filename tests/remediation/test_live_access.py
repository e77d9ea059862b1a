# ruff: noqa: F811  (fixtures imported from the ai and terminal conftests are parameters here)
"""Open sockets of a deactivated or demoted user close within the configured time, and every action sent on them
before the close is refused: no chat message reaches the model, no proposal becomes an execution, no output is
sent, no keystroke reaches the (real) SSH server.

Most changes here are made straight in the database, so no `access.changed` message is sent and the periodic
re-check is 10 minutes away: only the check made for the action itself can refuse it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from ai.choices import MessageRole
from ai.models import ChatMessage, ChatProposal
from config.asgi import application
from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Execution
from runbooks.services import live
from runbooks.services.definitions import save_runbook
from tests.ai.conftest import llm_server, provider, run_async, ws_headers  # noqa: F401  (fixtures)
from tests.factories import ChatSessionFactory, StepRunFactory, TerminalGrantFactory
from tests.factories.runbooks import execution_of
from tests.llm_server import LLMServer
from tests.terminal.conftest import Terminal, _recordings_dir, ssh_server, terminal_key  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


@pytest.fixture(autouse=True)
def _slow_periodic_recheck(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 600


def _deactivate(user: Any) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _demote(user: Any) -> None:
    User.objects.get(pk=user.pk).groups.clear()


async def _closed(socket: WebsocketCommunicator, timeout: float) -> tuple[list[dict[str, Any]], int | None]:
    """Every JSON frame until the socket closes, and its close code."""
    frames: list[dict[str, Any]] = []
    while True:
        event = await socket.receive_output(timeout)
        if event["type"] == "websocket.close":
            return frames, event.get("code")
        frames.append(json.loads(event["text"]))


def _chat(user: Any, session_id: int) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/chat/{session_id}/", headers=ws_headers(user))


def _proposal(session: Any, owner: Any) -> ChatProposal:
    save_runbook({"name": "restart", "steps": [{"name": "s", "command": "echo restart"}]}, actor=Actor.of(owner))
    message = ChatMessage.objects.create(session=session, role=MessageRole.ASSISTANT, content="Restart?")
    return ChatProposal.objects.create(session=session, message=message, runbook_name="restart")


@pytest.mark.parametrize("change", [_deactivate, _demote], ids=["deactivated", "demoted"])
def test_it_refuses_a_chat_message_and_a_confirmation_sent_after_access_went(  # type: ignore[no-untyped-def]
    operator,
    admin_user,
    provider,
    llm_server: LLMServer,
    change,
) -> None:
    session = ChatSessionFactory(user=operator, provider=provider)
    proposal = _proposal(session, admin_user)

    async def scenario() -> tuple[list[dict[str, Any]], int | None]:
        socket = _chat(operator, session.pk)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=30))["type"] == "history"
        await database_sync_to_async(change)(operator)
        await socket.send_json_to({"type": "confirm", "proposal": proposal.pk})
        await socket.send_json_to({"type": "message", "content": "restart it anyway"})
        return await _closed(socket, timeout=10)

    frames, code = run_async(scenario)
    assert frames == [{"type": "closed", "reason": "access_revoked", "message": "Access revoked"}] and code == 4000
    assert ChatProposal.objects.get(pk=proposal.pk).status == "proposed"
    assert not Execution.objects.exists()
    assert list(ChatMessage.objects.values_list("role", flat=True)) == ["assistant"]  # no user turn stored
    assert llm_server.requests == []
    assert not AuditEvent.objects.filter(action__in=["chat.message", "chat.proposal_confirmed"]).exists()


def test_it_closes_an_idle_chat_within_the_recheck_interval(operator, provider, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 1
    session = ChatSessionFactory(user=operator, provider=provider)

    async def scenario() -> tuple[list[dict[str, Any]], int | None, float]:
        socket = _chat(operator, session.pk)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=30)
        await database_sync_to_async(_deactivate)(operator)
        started = asyncio.get_running_loop().time()
        frames, code = await _closed(socket, timeout=5)
        return frames, code, asyncio.get_running_loop().time() - started

    frames, code, seconds = run_async(scenario)
    assert frames[-1]["reason"] == "access_revoked" and code == 4000
    assert seconds < 3  # one interval (1 s) plus the check itself


def test_it_closes_a_chat_at_its_maximum_lifetime(operator, provider, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBSOCKET_MAX_LIFETIME_SECONDS = 1
    session = ChatSessionFactory(user=operator, provider=provider)

    async def scenario() -> tuple[list[dict[str, Any]], int | None]:
        socket = _chat(operator, session.pk)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=30)
        return await _closed(socket, timeout=5)

    frames, code = run_async(scenario)
    assert frames == [{"type": "closed", "reason": "max_lifetime", "message": "Maximum connection time reached"}]
    assert code == 4000


def test_it_sends_no_output_after_the_viewer_was_demoted(viewer) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []}, status="running")
    row = StepRunFactory(execution=execution, stdout="", status="running")
    secret_line = "output only viewers may read\n"

    async def scenario() -> tuple[list[dict[str, Any]], int | None]:
        socket = WebsocketCommunicator(application, f"/ws/executions/{execution.pk}/", headers=ws_headers(viewer))
        assert (await socket.connect(timeout=15))[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
        await database_sync_to_async(_demote)(viewer)
        event = {"type": "output", "step_run": row.pk, "stream": "stdout", "offset": 0, "text": secret_line}
        await get_channel_layer().group_send(live.group_name(execution.pk), {"type": "execution.event", "event": event})
        return await _closed(socket, timeout=5)

    frames, code = run_async(scenario)
    assert frames == [{"type": "closed", "reason": "access_revoked", "message": "Access revoked"}] and code == 4000


def test_it_closes_the_execution_stream_promptly_when_an_admin_removes_the_role(viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []}, status="running")
    admin = Client()
    admin.force_login(admin_user)
    joined = viewer.date_joined
    form = {
        "username": viewer.username,
        "is_active": "on",
        "groups": [],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }

    async def scenario() -> tuple[list[dict[str, Any]], int | None, float]:
        socket = WebsocketCommunicator(application, f"/ws/executions/{execution.pk}/", headers=ws_headers(viewer))
        assert (await socket.connect(timeout=15))[0]
        await socket.receive_json_from(timeout=5)
        response = await database_sync_to_async(admin.post)(f"/admin/auth/user/{viewer.pk}/change/", form)
        assert response.status_code == 302
        started = asyncio.get_running_loop().time()
        frames, code = await _closed(socket, timeout=5)
        return frames, code, asyncio.get_running_loop().time() - started

    frames, code, seconds = run_async(scenario)
    assert frames[-1]["reason"] == "access_revoked" and code == 4000 and seconds < 2  # the nudge, not the 600 s timer


@pytest.mark.real_part
@pytest.mark.parametrize("change", [_deactivate, _demote], ids=["deactivated", "demoted"])
def test_it_lets_no_keystroke_reach_the_server_after_access_went(operator, ssh_server, change) -> None:  # type: ignore[no-untyped-def]
    TerminalGrantFactory(user=operator, server=ssh_server)
    control, refused = (Path(f"/tmp/rm-access-{uuid.uuid4().hex}") for _ in range(2))

    async def scenario() -> dict[str, Any]:
        terminal = Terminal(ssh_server.pk, operator)
        assert (await terminal.connect())[0]
        await terminal.control("status")
        await terminal.type(f"touch {control} && echo made-$((6*7))\r")
        await terminal.read_until(b"made-42")  # keystrokes reach the server while access holds
        await database_sync_to_async(change)(operator)
        await terminal.type(f"touch {refused} && echo made-$((6*8))\r")
        closed = await terminal.control("closed", timeout=10)
        assert await terminal.wait_closed(timeout=5) == 4000
        await terminal.disconnect()
        return closed

    try:
        closed = run_async(scenario)
        assert closed["reason"] == "access_revoked"
        assert control.exists()
        time.sleep(0.5)  # had the keystrokes reached the shell, the file would be there by now
        assert not refused.exists()
    finally:
        control.unlink(missing_ok=True)
        refused.unlink(missing_ok=True)
