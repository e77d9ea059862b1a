"""/ws/chat/<session>/ through the real ASGI application, LiteLLM and the local OpenAI-compatible server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from ai.models import ChatMessage, ChatSession
from config.asgi import application
from remediation.models import AuditEvent
from tests.ai.conftest import PROVIDER_KEY, run_async, ws_headers
from tests.factories import AlertFactory, ChatSessionFactory, CredentialFactory, SensitiveLabelFactory
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(session_id: int, user: Any = None, origin: bytes = b"http://127.0.0.1") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/chat/{session_id}/", headers=ws_headers(user, origin))


@pytest.mark.parametrize(("who", "code"), [(None, 4401), ("stranger", 4403), ("viewer", 4403), ("approver", 4403)])
def test_it_rejects_anonymous_and_unauthorized_users(request, operator, who, code) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=request.getfixturevalue(who) if who else operator)
    user = request.getfixturevalue(who) if who else None

    async def scenario() -> tuple[bool, int]:
        return await _socket(session.pk, user).connect()

    assert run_async(scenario) == (False, code)


def test_it_rejects_someone_elses_session(operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=admin_user)

    async def scenario() -> tuple[bool, int]:
        return await _socket(session.pk, operator).connect()

    assert run_async(scenario) == (False, 4403)


def test_it_rejects_a_foreign_origin(operator) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator)

    async def scenario() -> bool:
        connected, _ = await _socket(session.pk, operator, origin=b"https://evil.example").connect()
        return connected

    assert run_async(scenario) is False


def test_it_streams_tokens_as_they_arrive_and_persists_the_reply(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator, provider=provider)
    reply = Reply(content="Disk is full on db1", chunks=["Disk ", "is ", "full ", "on db1"], gate_after=2)
    llm_server.push(reply)
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        socket = _socket(session.pk, operator)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=60))["type"] == "history"
        await socket.send_json_to({"type": "message", "content": "Why is db1 alerting?"})
        started = await socket.receive_json_from(timeout=120)
        first = [await socket.receive_json_from(timeout=120) for _ in range(2)]
        # The server is holding back the rest: these tokens reached the browser before the reply was finished.
        seen["while_streaming"] = await _assistant(started["message"])
        reply.gate.set()
        rest = [await socket.receive_json_from(timeout=120) for _ in range(3)]
        await socket.disconnect()
        return [started, *first, *rest]

    events = run_async(scenario)
    assert [e["type"] for e in events] == ["started", "token", "token", "token", "token", "done"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == "Disk is full on db1"
    assert seen["while_streaming"] == ("streaming", "")
    message = ChatMessage.objects.get(pk=events[0]["message"])
    assert message.content == "Disk is full on db1" and message.status == "complete"
    assert message.prompt_tokens == 120 and message.completion_tokens == 30 and message.cost_usd is not None
    assert events[-1]["message"]["html"] == "<p>Disk is full on db1</p>"
    body = llm_server.requests[0]
    assert body["stream"] is True and body["messages"][0]["role"] == "system"
    assert body["messages"][-1] == {"role": "user", "content": "Why is db1 alerting?"}
    assert "tools" not in body  # no runbook catalogue, nothing to propose
    actions = list(AuditEvent.objects.filter(object_id=str(session.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["chat.message", "chat.reply"]


async def _assistant(message_id: int) -> tuple[str, str]:
    from channels.db import database_sync_to_async

    message = await database_sync_to_async(ChatMessage.objects.get)(pk=message_id)
    return message.status, message.content


def test_it_stops_a_reply_and_keeps_what_arrived(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator, provider=provider)
    reply = Reply(chunks=["Checking ", "the ", "disks"], gate_after=1)
    llm_server.push(reply)

    async def scenario() -> list[dict[str, Any]]:
        socket = _socket(session.pk, operator)
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": "go"})
        events = [await socket.receive_json_from(timeout=120) for _ in range(2)]
        await socket.send_json_to({"type": "stop"})
        events.append(await socket.receive_json_from(timeout=120))
        await socket.disconnect()
        return events

    try:
        events = run_async(scenario)
    finally:
        reply.gate.set()
    assert [e["type"] for e in events] == ["started", "token", "stopped"]
    message = ChatMessage.objects.get(pk=events[0]["message"])
    assert (message.status, message.content) == ("cancelled", "Checking ")


def test_it_records_a_failed_reply_after_retries(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator, provider=provider)
    llm_server.push(*(Reply(status=500) for _ in range(3)))

    async def scenario() -> list[dict[str, Any]]:
        socket = _socket(session.pk, operator)
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": "hello"})
        events = [await socket.receive_json_from(timeout=120) for _ in range(2)]
        await socket.disconnect()
        return events

    events = run_async(scenario)
    assert [e["type"] for e in events] == ["started", "error"]
    assert PROVIDER_KEY not in json.dumps(events)
    assert ChatMessage.objects.get(pk=events[0]["message"]).status == "failed"
    assert len(llm_server.requests) == 3


def test_it_masks_secrets_in_the_transcript_and_at_the_wire(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator, provider=provider)
    CredentialFactory(password="db1-root-Pa55word!")
    github = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
    text = f"the deploy token is {github}, our LLM key is {PROVIDER_KEY}, root on db1 uses db1-root-Pa55word!"

    async def scenario() -> None:
        socket = _socket(session.pk, operator)
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": text})
        while (await socket.receive_json_from(timeout=120))["type"] != "done":
            pass
        await socket.disconnect()

    run_async(scenario)
    wire = json.dumps(llm_server.requests)
    stored = json.dumps(list(ChatMessage.objects.values_list("content", flat=True)))
    audit = json.dumps(list(AuditEvent.objects.values_list("after", flat=True)))
    for place in (wire, stored, audit):
        assert github not in place and PROVIDER_KEY not in place and "********" in place
        assert "db1-root-Pa55word!" not in place


def test_it_refuses_when_no_provider_is_enabled(operator) -> None:  # type: ignore[no-untyped-def]
    session = ChatSession.objects.create(user=operator)

    async def scenario() -> dict[str, Any]:
        socket = _socket(session.pk, operator)
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": "hello"})
        event = await socket.receive_json_from(timeout=120)
        await socket.disconnect()
        return event

    event = run_async(scenario)
    assert event["type"] == "error" and "provider" in event["detail"]
    assert not ChatMessage.objects.exists()


def test_it_carries_the_alert_context_redacted_into_the_prompt(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    SensitiveLabelFactory(name="customer")
    alert = AlertFactory(labels={"alertname": "DiskFull", "instance": "db1:9100", "customer": "ACME Bank"})
    session = ChatSessionFactory(user=operator, provider=provider, alert=alert)

    async def scenario() -> None:
        socket = _socket(session.pk, operator)
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": "what now?"})
        while (await socket.receive_json_from(timeout=120))["type"] != "done":
            pass
        await socket.disconnect()

    run_async(scenario)
    system = llm_server.requests[0]["messages"][0]["content"]
    assert "<alert-data>" in system and "db1:9100" in system and "[redacted]" in system
    assert "ACME Bank" not in json.dumps(llm_server.requests)
