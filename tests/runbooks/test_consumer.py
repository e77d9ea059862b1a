"""The execution WebSocket through the real ASGI application (origin check, session auth, permissions)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client

from config.asgi import application
from runbooks.choices import StepRunStatus
from runbooks.models import StepRun
from runbooks.services import live
from tests.factories import StepRunFactory
from tests.factories.runbooks import execution_of, run_and_close, step
from tests.outside_loop import outside_loop

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(scenario) -> None:  # type: ignore[no-untyped-def]
    """Run a coroutine function in its own thread and loop (another test may leave a loop in this thread)."""
    failure: list[BaseException] = []

    async def closing() -> None:
        try:
            await scenario()
        finally:
            # Resolve the connection inside the worker thread (the proxy is per thread).
            await database_sync_to_async(lambda: connection.close())()

    def target() -> None:
        try:
            asyncio.run(closing())
        except BaseException as exc:  # re-raised in the test thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(120)
    if failure:
        raise failure[0]


def _headers(user=None):  # type: ignore[no-untyped-def]
    headers = [(b"origin", b"http://127.0.0.1")]
    if user is not None:
        client = Client()
        outside_loop(lambda: client.force_login(user))
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers.append((b"cookie", cookie.encode()))
    return headers


def _connect(execution_id, user=None):  # type: ignore[no-untyped-def]
    return WebsocketCommunicator(application, f"/ws/executions/{execution_id}/", headers=_headers(user))


@pytest.mark.parametrize(("who", "code"), [(None, 4401), ("stranger", 4403)])
def test_it_rejects_anonymous_and_unauthorized_clients(request, who, code) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []})
    user = request.getfixturevalue(who) if who else None

    async def scenario():  # type: ignore[no-untyped-def]
        communicator = _connect(execution.pk, user)
        connected, close_code = await communicator.connect(timeout=15)
        assert (connected, close_code) == (False, code)

    run_async(scenario)


def test_it_rejects_a_foreign_origin(viewer) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []})

    async def scenario():  # type: ignore[no-untyped-def]
        headers = [(b"origin", b"http://evil.example"), *_headers(viewer)[1:]]
        communicator = WebsocketCommunicator(application, f"/ws/executions/{execution.pk}/", headers=headers)
        connected, _ = await communicator.connect(timeout=15)
        assert not connected

    run_async(scenario)


def test_it_sends_a_snapshot_then_live_chunks_once_each(viewer) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": []}, status="running")
    row = StepRunFactory(execution=execution, stdout="line 1\n", status=StepRunStatus.RUNNING)

    async def scenario():  # type: ignore[no-untyped-def]
        communicator = _connect(execution.pk, viewer)
        assert (await communicator.connect(timeout=15))[0]
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot["type"] == "snapshot" and snapshot["step_runs"][0]["stdout"] == "line 1\n"
        # Group path (Redis in production): an output chunk arrives at once.
        event = {"type": "output", "step_run": row.pk, "stream": "stdout", "offset": 7, "text": "line 2\n"}
        await get_channel_layer().group_send(live.group_name(execution.pk), {"type": "execution.event", "event": event})
        chunk = await communicator.receive_json_from(timeout=5)
        assert (chunk["type"], chunk["offset"], chunk["text"]) == ("output", 7, "line 2\n")
        # Database path (another process, in-memory layer): the tail picks up what the group never delivered,
        # and does not repeat what the group already did.
        await database_sync_to_async(StepRun.objects.filter(pk=row.pk).update)(stdout="line 1\nline 2\nline 3\n")
        chunk = await communicator.receive_json_from(timeout=5)
        assert (chunk["offset"], chunk["text"]) == (14, "line 3\n")
        await get_channel_layer().group_send(live.group_name(execution.pk), {"type": "execution.event", "event": event})
        assert await communicator.receive_nothing(timeout=1.2)
        await communicator.disconnect()

    run_async(scenario)


def test_it_gives_a_late_joiner_the_whole_run(viewer, script_executor) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of(
        {"steps": [step("a", kind="script", command="print:hello"), step("b", kind="script", command="fail")]}
    )
    worker = threading.Thread(target=run_and_close, args=(execution.pk,))
    worker.start()
    worker.join(30)

    async def scenario():  # type: ignore[no-untyped-def]
        communicator = _connect(execution.pk, viewer)
        assert (await communicator.connect(timeout=15))[0]
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot["execution"]["status"] == "failed"
        assert [(r["step_name"], r["status"], r["stdout"]) for r in snapshot["step_runs"]] == [
            ("a", "succeeded", "hello\n"),
            ("b", "failed", ""),
        ]
        assert await communicator.receive_nothing(timeout=1.2)
        await communicator.disconnect()

    run_async(scenario)


def test_it_streams_a_run_in_progress_from_the_database(viewer, script_executor) -> None:  # type: ignore[no-untyped-def]
    steps = [step("a", kind="script", command="print:first"), step("b", kind="script", command="sleep:1.5")]
    execution = execution_of({"steps": [*steps, step("c", kind="script", command="print:last")]})

    async def scenario():  # type: ignore[no-untyped-def]
        communicator = _connect(execution.pk, viewer)
        assert (await communicator.connect(timeout=15))[0]
        assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
        worker = threading.Thread(target=run_and_close, args=(execution.pk,))
        worker.start()
        seen: list[dict] = []
        while not any(e.get("type") == "status" and e["execution"]["status"] == "succeeded" for e in seen):
            seen.append(await communicator.receive_json_from(timeout=10))
        worker.join(10)
        output = "".join(e["text"] for e in seen if e["type"] == "output")
        assert output == "first\nlast\n"
        statuses = [e["execution"]["status"] for e in seen if e["type"] == "status"]
        assert statuses[0] == "running" and statuses[-1] == "succeeded"
        await communicator.disconnect()

    run_async(scenario)
