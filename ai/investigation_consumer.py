"""WebSocket /ws/investigations/<id>/: a snapshot (entries, commands, status, finding, usage vs budgets), then live.

The worker loop runs in a worker process (qcluster) that an in-memory channel layer cannot reach, so besides the
group's events the consumer polls the database and sends a fresh snapshot whenever the investigation moved on. Nothing
is sent before a check of the live user that began after it was read (remediation.sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User

from ai.choices import INVESTIGATION_FINISHED
from ai.models import Investigation
from ai.services import investigation_live as live
from remediation.permissions import VIEW_INVESTIGATION
from remediation.sockets import ACCESS_REVOKED, CLOSE_FORBIDDEN, LiveAccessConsumer

POLL_SECONDS = 0.5
ENDED_POLL_SECONDS = 5.0  # an ended investigation changes no more (a late group event still wakes the loop)
CLOSE_NOT_FOUND = 4404


def _version(investigation_id: int) -> tuple[Any, ...] | None:
    """What changes whenever anything shown moved on: status, usage, last entry and every command's state."""
    found = Investigation.objects.filter(pk=investigation_id).values_list("status", "steps", "stop_requested").first()
    if found is None:
        return None
    investigation = Investigation(pk=investigation_id)
    last_entry = investigation.entries.order_by("-seq").values_list("seq", flat=True).first()
    commands = tuple(investigation.commands.order_by("id").values_list("id", "status", "finished_at"))
    return (*found, last_entry, commands)


def _snapshot(investigation_id: int) -> tuple[dict[str, Any] | None, tuple[Any, ...] | None]:
    investigation = Investigation.objects.filter(pk=investigation_id).first()
    if investigation is None:
        return None, None
    version = _version(investigation_id)
    return live.snapshot(investigation), version


class InvestigationConsumer(LiveAccessConsumer, AsyncJsonWebsocketConsumer):
    """Streams one investigation to anyone who may view investigations; clients only listen."""

    client_actions = ("stream",)  # the only action: receiving the investigation's events
    tail: asyncio.Task[None] | None = None
    group = ""

    async def connect(self) -> None:
        user = await self.join_signed_in()
        if user is None:
            return
        if not await database_sync_to_async(user.has_perm)(VIEW_INVESTIGATION):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.investigation_id = int(self.scope["url_route"]["kwargs"]["investigation_id"])
        snapshot, self.version = await database_sync_to_async(_snapshot)(self.investigation_id)
        if snapshot is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.pending: list[dict[str, Any]] = []
        self.wake = asyncio.Event()
        self.group = live.group_name(self.investigation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(snapshot)
        self.tail = asyncio.create_task(self.tail_database())
        self.start_guard()

    def object_access_reason(self, user: User) -> str | None:
        allowed = user.has_perm(VIEW_INVESTIGATION) and Investigation.objects.filter(pk=self.investigation_id).exists()
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
        """Clients only listen; anything they send is ignored (decisions are POSTed forms)."""

    async def investigation_event(self, message: dict[str, Any]) -> None:
        """Held until the next access check (tail_database) lets it through."""
        self.pending.append(message["event"])
        self.wake.set()

    async def tail_database(self) -> None:
        """Check access, then send held group events, or a fresh snapshot when the database moved on without them."""
        while True:
            ended = self.version is not None and self.version[0] in INVESTIGATION_FINISHED
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), ENDED_POLL_SECONDS if ended else POLL_SECONDS)
            self.wake.clear()
            held, self.pending = self.pending, []
            version = await database_sync_to_async(_version)(self.investigation_id)
            fresh = None
            if version != self.version and not held:
                fresh, version = await database_sync_to_async(_snapshot)(self.investigation_id)
            self.version = version
            # Checked after everything it lets through was read: nothing read before access ended is sent after.
            _user, reason = await self.live_check()
            if reason:
                await self.end_socket(reason)
                return
            for event in held:
                await self.send_json(event)
            if fresh is not None:
                await self.send_json(fresh)
