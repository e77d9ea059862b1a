"""WebSocket consumers of the runbooks app."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from runbooks.live_cursor import Cursor
from runbooks.models import Execution
from runbooks.services import live

VIEW_PERMISSION = "runbooks.view_execution"
TAIL_SECONDS = 0.5


class ExecutionConsumer(AsyncJsonWebsocketConsumer):
    """Streams one execution: a snapshot first, then status and output from its group and from the database.

    The runner may live in another process (qcluster) where an in-memory channel layer cannot reach this one, so
    the consumer also tails new rows and output from the database; the cursor makes both paths deliver each byte
    exactly once and in order.
    """

    tail: asyncio.Task[None] | None = None
    group = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(user.has_perm)(VIEW_PERMISSION):
            await self.close(code=4403)
            return
        execution_id = int(self.scope["url_route"]["kwargs"]["execution_id"])
        execution = await database_sync_to_async(Execution.objects.filter(pk=execution_id).first)()
        if execution is None:
            await self.close(code=4404)
            return
        self.execution_id = execution_id
        self.group = live.group_name(execution_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(live.snapshot)(execution)
        self.cursor = Cursor(snapshot)
        await self.send_json(snapshot)
        self.tail = asyncio.create_task(self.tail_database())

    async def disconnect(self, code: int) -> None:
        if self.tail is not None:
            self.tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.tail
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def execution_event(self, message: dict[str, Any]) -> None:
        await self.forward(message["event"])

    async def forward(self, event: dict[str, Any]) -> None:
        fresh = self.cursor.accept(event)
        if fresh is not None:
            await self.send_json(fresh)

    async def tail_database(self) -> None:
        """Poll the database for what the group did not deliver; stops once the execution has finished."""
        while True:
            await asyncio.sleep(TAIL_SECONDS)
            last_id, running = self.cursor.state()
            events = await database_sync_to_async(live.changes_since)(
                self.execution_id, last_id, running, self.cursor.offsets()
            )
            for event in events:
                await self.forward(event)
            if self.cursor.status in live.FINISHED and not self.cursor.state()[1]:
                return
