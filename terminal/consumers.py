"""`/ws/terminal/<server>/`: the browser side of a terminal session (Channels here, no paramiko).

Protocol. Browser → server, JSON text frames: {"type": "input", "data": "..."}, {"type": "resize", "cols": C,
"rows": R}, {"type": "ack", "bytes": N} (output bytes rendered so far). Server → browser: terminal output only as
binary frames; control messages only as JSON text frames: {"type": "status", ...} and {"type": "closed",
"reason": ..., "message": ...}. The two never mix, so no output can forge a control message.

Access (remediation.sockets): keystrokes reach the shell only after a check of the live user (active, signed in,
permission, grant) that began after they arrived; they queue meanwhile, and one check covers all that queued.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from remediation.actors import Actor
from remediation.net import scope_client_ip
from remediation.sockets import (
    ACCESS_REVOKED,
    CLOSE_ENDED,
    CLOSE_FORBIDDEN,
    LiveAccessConsumer,
)
from terminal.bridge import Bridge
from terminal.choices import EndReason
from terminal.services import sessions

logger = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024
MAX_EARLY = 256  # messages held while the shell connects; more are dropped


class TerminalConsumer(LiveAccessConsumer):
    """Authorizes the user, opens the shell off the event loop, then relays frames to and from its Bridge."""

    bridge: Bridge | None = None
    task: asyncio.Task[None] | None = None
    pump: asyncio.Task[None] | None = None
    departed = False
    early: list[str] | None = None
    lifetime_reason = EndReason.MAX_DURATION
    # What reaches the server, each let through by an access check; `ack` is flow control between browser and us.
    client_actions = ("input", "resize")

    async def connect(self) -> None:
        user = await self.join_signed_in()
        if user is None:
            return
        self.keystrokes: asyncio.Queue[bytes | tuple[int, int]] = asyncio.Queue()
        try:
            server_id = int(self.scope["url_route"]["kwargs"]["server_id"])
            self.server = await database_sync_to_async(sessions.authorize_terminal)(user, server_id)
        except sessions.TerminalDenied:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.client_ip = scope_client_ip(self.scope)
        self.early = []
        await self.accept()
        self.task = asyncio.create_task(self._run(user))

    def _size(self) -> tuple[int, int]:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            return int(query.get("cols", ["80"])[0]), int(query.get("rows", ["24"])[0])
        except ValueError:
            return 80, 24

    async def _run(self, user: Any) -> None:
        cols, rows = self._size()
        # Not the shared DB thread: an SSH connect can take seconds and must not stall other consumers.
        open_session = database_sync_to_async(sessions.open_session, thread_sensitive=False)
        try:
            opened = await open_session(
                actor=Actor.of(user), server=self.server, cols=cols, rows=rows, client_ip=self.client_ip
            )
        except sessions.TerminalDenied as denied:
            await self._finish(denied.reason, denied.message)
            return
        session, recorder = opened.session, opened.recorder
        self.bridge = Bridge(opened.shell, recorder, self._send_output, sessions.limits())
        # Started at once: whatever happens next, stopping it closes the shell and the recording.
        running = asyncio.ensure_future(self.bridge.run())
        self.start_guard(self.bridge.stop)
        self.pump = asyncio.ensure_future(self._pump_keystrokes(self.bridge))
        reason: str = EndReason.ERROR
        try:
            if self.departed:  # the browser left while the shell was connecting
                self.bridge.stop(EndReason.USER_CLOSED)
            for text in self.early or ():  # keystrokes typed while the shell was connecting, in order
                await self._handle(text)
            self.early = None
            await self._control("status", state="connected", session=str(session.uuid), server=self.server.name)
            reason = await asyncio.shield(running)
        except asyncio.CancelledError:  # the web process is stopping
            reason = EndReason.SERVER_SHUTDOWN
            raise
        finally:
            self.pump.cancel()
            if self.guard_task is not None:
                self.guard_task.cancel()
            self.bridge.stop(reason)
            await running
            await database_sync_to_async(sessions.close_session)(
                session.pk,
                actor=Actor.of(user),
                reason=reason,
                bytes_in=recorder.bytes_in,
                bytes_out=recorder.bytes_out,
            )
        if reason != EndReason.USER_CLOSED:
            await self._finish(reason, EndReason(reason).label)

    def object_access_reason(self, user: User) -> str | None:
        try:
            sessions.authorize_terminal(user, self.server.pk)
        except sessions.TerminalDenied:
            return ACCESS_REVOKED
        return None

    async def _pump_keystrokes(self, bridge: Bridge) -> None:
        """Pass queued keystrokes and resizes to the shell once a check that began after them says access holds."""
        while True:
            batch = [await self.keystrokes.get()]
            while not self.keystrokes.empty():
                batch.append(self.keystrokes.get_nowait())
            _user, reason = await self.live_check()
            if reason:
                bridge.stop(reason)  # the keystrokes are dropped: none reaches the server
                return
            for item in batch:
                if isinstance(item, bytes):
                    bridge.input(item)
                else:
                    bridge.resize(*item)

    async def _send_output(self, data: bytes) -> None:
        await self.send(bytes_data=data)

    async def _control(self, kind: str, **fields: Any) -> None:
        await self.send(text_data=json.dumps({"type": kind, **fields}))

    async def _finish(self, reason: str, message: str) -> None:
        try:
            await self._control("closed", reason=str(reason), message=message)
            await self.close(code=CLOSE_ENDED)
        except Exception:
            logger.debug("terminal closed after the browser left")

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Keystrokes touch no database. Channels would first hop to the shared sync thread for every message
        # (close_old_connections): ~0.3 ms each, queued behind any other consumer's database work.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
            return
        await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not text_data or len(text_data) > MAX_MESSAGE:
            return
        if self.early is not None and len(self.early) < MAX_EARLY:
            self.early.append(text_data)
        elif self.bridge is not None:
            await self._handle(text_data)

    async def _handle(self, text_data: str) -> None:
        if self.bridge is None:
            return
        try:
            message = json.loads(text_data)
            kind = message.get("type")
            if kind == "input":
                self.keystrokes.put_nowait(str(message["data"]).encode("utf-8", "replace"))
            elif kind == "ack":
                self.bridge.ack(int(message["bytes"]))
            elif kind == "resize":
                self.keystrokes.put_nowait((int(message["cols"]), int(message["rows"])))
        except (ValueError, KeyError, TypeError, AttributeError):
            await self._control("status", state="error", message="Malformed message ignored.")

    async def disconnect(self, code: int) -> None:
        self.departed = True
        if self.bridge is not None:
            self.bridge.stop(EndReason.USER_CLOSED)
        if self.task is not None:
            # Wait for the row to be closed and audited before Channels tears the consumer down.
            await asyncio.shield(self.task)
        await self.leave_access_group()
