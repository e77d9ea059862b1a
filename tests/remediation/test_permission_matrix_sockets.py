# ruff: noqa: F811  (fixtures imported from the ai and terminal conftests are parameters here)
"""The permission matrix over WebSockets, generated from config/routing.py: every consumer and each of its
client_actions × the cast (tests/remediation/matrix.py), against the table below; an action without an entry fails the
test. The deactivated and demoted members connect while they still hold the Operator role and lose it before acting."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from remediation.actors import Actor
from remediation.choices import Role
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import save_runbook
from tests.ai.conftest import llm_server, provider  # noqa: F401  (fixtures)
from tests.factories import (
    ChatSessionFactory,
    ExecutionFactory,
    TerminalGrantFactory,
)
from tests.remediation.matrix import (  # the cast and role sets
    ADMIN,
    CAST,
    DEACTIVATED,
    DEMOTED,
    OPERATOR,
    OPS,
    READ,
)
from tests.terminal.conftest import _recordings_dir, ssh_server, terminal_key  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


# consumer → action → who is let in. "connect" is opening the socket; the rest are the consumer's client_actions.
# The deactivated and demoted members connect while they still hold the Operator role and lose it before acting.
WS: dict[str, dict[str, frozenset[str]]] = {
    "ChatConsumer": {"connect": OPS, "message": OPS, "confirm": OPS, "decline": OPS, "stop": OPS},
    "ExecutionConsumer": {"connect": READ, "stream": READ},
    "InvestigationConsumer": {"connect": READ, "stream": READ},
    "TerminalConsumer": {"connect": OPS, "input": OPS, "resize": OPS},
}


def _consumers() -> dict[str, tuple[str, Any]]:
    from config.routing import websocket_urlpatterns

    found = {}
    for pattern in websocket_urlpatterns:
        consumer = pattern.callback.consumer_class  # type: ignore[attr-defined]
        found[consumer.__name__] = (str(pattern.pattern), consumer)
    return found


def test_it_has_an_entry_for_every_websocket_consumer_action() -> None:
    actions = {name: {"connect", *consumer.client_actions} for name, (_route, consumer) in _consumers().items()}
    assert actions == {name: set(table) for name, table in WS.items()}


def _access(member: str, user: Any, *, restore: bool) -> None:
    """Give a mid-session member their Operator role back (before connecting), or take it (after)."""
    if member == DEACTIVATED:
        type(user).objects.filter(pk=user.pk).update(is_active=restore)
    elif member == DEMOTED and restore:
        user.groups.add(Group.objects.get(name=Role.OPERATOR.value))
    elif member == DEMOTED:
        user.groups.clear()


async def _first(socket: Any, timeout: float = 10) -> dict[str, Any] | None:
    """The next JSON frame, or None once the socket closed."""
    import json

    event = await socket.receive_output(timeout)
    return None if event["type"] == "websocket.close" else json.loads(event["text"])


async def _attempt(member: str, user: Any, path: str, action: Any) -> str:
    """Connect as `member` (mid-session members lose access right after), run `action`; 'let in' or 'refused'."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.ai.conftest import ws_headers

    mid_session = member in (DEACTIVATED, DEMOTED)
    if user is not None:
        await database_sync_to_async(_access)(member, user, restore=True)
    headers = await database_sync_to_async(ws_headers)(user)
    if action is None and mid_session:  # connecting after access went
        await database_sync_to_async(_access)(member, user, restore=False)
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await socket.connect(timeout=15)
    if not connected:
        return "refused"
    first = await _first(socket)  # the snapshot or the history
    outcome = "let in" if first is not None else "refused"
    if action is not None and outcome == "let in":
        if mid_session:
            await database_sync_to_async(_access)(member, user, restore=False)
        outcome = await action(socket)
    await socket.disconnect()
    return outcome


def _chat_actions(world: dict[str, Any]) -> dict[str, Any]:
    async def reply_to(socket: Any, message: dict[str, Any], expect: str) -> str:
        await socket.send_json_to(message)
        frame = await _first(socket)
        return "let in" if frame is not None and frame["type"] == expect else "refused"

    async def stop(socket: Any) -> str:
        await socket.send_json_to({"type": "stop"})
        return "let in" if await socket.receive_nothing(timeout=1) else "refused"

    return {
        "message": lambda s: reply_to(s, {"type": "message", "content": "hello"}, "started"),
        "confirm": lambda s: reply_to(s, {"type": "confirm", "proposal": world["proposal"]()}, "proposal"),
        "decline": lambda s: reply_to(s, {"type": "decline", "proposal": world["proposal"]()}, "proposal"),
        "stop": stop,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_over_chat_and_execution_sockets(  # type: ignore[no-untyped-def]
    member: str, cast, llm_server, provider, settings
) -> None:
    from channels.layers import get_channel_layer

    from ai.choices import MessageRole
    from ai.models import ChatMessage, ChatProposal, Investigation
    from ai.services import investigation_live
    from runbooks.services import live
    from tests.ai.conftest import run_async
    from tests.factories import AlertFactory, StepRunFactory

    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 600  # only the per-action check may refuse here
    user = cast["users"][member]
    owner = user or cast["users"][OPERATOR]
    chat = ChatSessionFactory(user=owner, provider=provider)
    save_runbook(
        {"name": "restart", "steps": [{"name": "s", "command": "echo ok"}]}, actor=Actor.of(cast["users"][ADMIN])
    )
    message = ChatMessage.objects.create(session=chat, role=MessageRole.ASSISTANT, content="Restart?")
    # Made here, not lazily inside the socket actions: no ORM work on the event loop.
    proposals = iter(
        [ChatProposal.objects.create(session=chat, message=message, runbook_name="restart").pk for _ in range(2)]
    )
    execution = ExecutionFactory(status=ExecutionStatus.RUNNING)
    step_run = StepRunFactory(execution=execution, status="running")
    world = {"proposal": lambda: next(proposals)}

    async def stream(socket: Any) -> str:
        event = {"type": "output", "step_run": step_run.pk, "stream": "stdout", "offset": 0, "text": "line\n"}
        group = live.group_name(execution.pk)
        await get_channel_layer().group_send(group, {"type": "execution.event", "event": event})
        frame = await _first(socket)
        return "let in" if frame is not None and frame["type"] == "output" else "refused"

    investigation = Investigation.objects.create(goal="why?", alert=AlertFactory(), requested_by=owner)

    async def investigation_stream(socket: Any) -> str:
        event = {"type": investigation_live.ENTRY_EVENT, "entry": {"id": 1, "seq": 1, "kind": "note", "content": "x"}}
        group = investigation_live.group_name(investigation.pk)
        await get_channel_layer().group_send(group, {"type": "investigation.event", "event": event})
        frame = await _first(socket)
        return "let in" if frame is not None and frame["type"] == investigation_live.ENTRY_EVENT else "refused"

    plans = {
        ("ChatConsumer", f"/ws/chat/{chat.pk}/"): {"connect": None, **_chat_actions(world)},
        ("ExecutionConsumer", f"/ws/executions/{execution.pk}/"): {"connect": None, "stream": stream},
        ("InvestigationConsumer", f"/ws/investigations/{investigation.pk}/"): {
            "connect": None,
            "stream": investigation_stream,
        },
    }
    wrong = []
    for (consumer, path), actions in plans.items():
        for name, action in actions.items():
            outcome = run_async(lambda path=path, action=action: _attempt(member, user, path, action))
            want = "let in" if member in WS[consumer][name] else "refused"
            if outcome != want:
                wrong.append(f"{consumer}.{name}: {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.real_part
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_over_the_terminal_socket(member: str, cast, ssh_server) -> None:  # type: ignore[no-untyped-def]
    from tests.ai.conftest import run_async

    user = cast["users"][member]
    for someone in cast["users"].values():
        if someone is not None:
            TerminalGrantFactory(user=someone, server=ssh_server)

    async def typed(socket: Any, text: str, needle: bytes) -> str:
        import json

        await socket.send_to(text_data=json.dumps({"type": "input", "data": text}))
        seen = b""
        while needle not in seen:
            event = await socket.receive_output(10)
            if event["type"] == "websocket.close" or (event.get("text") and '"closed"' in event["text"]):
                return "refused"
            seen += event.get("bytes") or b""
        return "let in"

    async def resize(socket: Any) -> str:
        import json

        await socket.send_to(text_data=json.dumps({"type": "resize", "cols": 101, "rows": 33}))
        return await typed(socket, "stty size\r", b"33 101")

    actions = {
        "connect": None,
        "input": lambda socket: typed(socket, "echo ws-$((6*7))\r", b"ws-42"),
        "resize": resize,
    }
    path, wrong = f"/ws/terminal/{ssh_server.pk}/", []
    for name, action in actions.items():
        outcome = run_async(lambda action=action: _attempt(member, user, path, action))
        want = "let in" if member in WS["TerminalConsumer"][name] else "refused"
        if outcome != want:
            wrong.append(f"TerminalConsumer.{name}: {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)
