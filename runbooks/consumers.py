"""WebSocket consumers of the runbooks app."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User

from remediation.permissions import VIEW_EXECUTION
from remediation.sockets import ACCESS_REVOKED, CLOSE_FORBIDDEN, LiveAccessConsumer
from runbooks.live_cursor import Cursor
from runbooks.models import Execution
from runbooks.services import live

VIEW_PERMISSION = VIEW_EXECUTION
TAIL_SECONDS = 0.5


class ExecutionConsumer(LiveAccessConsumer, AsyncJsonWebsocketConsumer):
    """Streams one execution: a snapshot first, then status and output from its group and from the database.

    The runner may live in another process (qcluster) where an in-memory channel layer cannot reach this one, so
    the consumer also tails new rows and output from the database; the cursor makes both paths deliver each byte
    exactly once and in order. Nothing is sent before a check of the live user that began after it arrived.
    """

    client_actions = ("stream",)  # the only action: receiving the execution's events
    tail: asyncio.Task[None] | None = None
    group = ""

    async def connect(self) -> None:
        user = await self.join_signed_in()
        if user is None:
            return
        if not await database_sync_to_async(user.has_perm)(VIEW_PERMISSION):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        execution = await database_sync_to_async(Execution.objects.filter(pk=execution_id).first)()
        if execution is None:
            await self.close(code=4404)
            return
        self.execution_id = execution_id
        self.pending: list[dict[str, Any]] = []
        self.wake = asyncio.Event()
        self.group = live.group_name(execution_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(live.snapshot)(execution)
        self.cursor = Cursor(snapshot)
        await self.send_json(snapshot)
        self.tail = asyncio.create_task(self.tail_database())
        self.start_guard()

    def object_access_reason(self, user: User) -> str | None:
        allowed = user.has_perm(VIEW_PERMISSION) and Execution.objects.filter(pk=self.execution_id).exists()
        return None if allowed else ACCESS_REVOKED

    async def disconnect(self, code: int) -> None:
        if self.tail is not None:
            self.tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.tail
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.leave_access_group()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def execution_event(self, message: dict[str, Any]) -> None:
        """Held until the next access check (tail_database) lets it through."""
        self.pending.append(message["event"])
        self.wake.set()

    async def forward(self, event: dict[str, Any]) -> None:
        fresh = self.cursor.accept(event)
        if fresh is not None:
            await self.send_json(fresh)

    async def tail_database(self) -> None:
        """Check access, then send held group events and what the database has that the group did not deliver.

        Stops once the execution has finished and everything was delivered, or when access ends.
        """
        loop = asyncio.get_running_loop()
        polled = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), TAIL_SECONDS)
            self.wake.clear()
            held, self.pending = self.pending, []
            if loop.time() - polled >= TAIL_SECONDS:
                polled = loop.time()
                last_id, running = self.cursor.state()
                held += await database_sync_to_async(live.changes_since)(
                    self.execution_id, last_id, running, self.cursor.offsets()
                )
            # Checked after everything it lets through was read: nothing read before access ended is sent after.
            _user, reason = await self.live_check()
            if reason:
                await self.end_socket(reason)
                return
            for event in held:
                await self.forward(event)
            if self.cursor.status in live.FINISHED and not self.cursor.state()[1]:
                return
