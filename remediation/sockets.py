"""One access mechanism for every WebSocket (chat, execution output, terminal).

A socket joins its user's group (`user.<id>`) before it is authorized. An `access.changed` message there (sent after
commit by whatever changes roles, grants or accounts, or signs a user out) makes it re-check at once; a timer
re-checks every WEBSOCKET_ACCESS_RECHECK_SECONDS for changes made elsewhere; WEBSOCKET_MAX_LIFETIME_SECONDS ends it
in any case. When access ends the socket says why ({"type": "closed", "reason", "message"}) and closes (4000).

Besides, every action a socket carries (a chat message, a confirmed proposal, a batch of keystrokes or of output) is
let through only after a check of the live user — read from the database, not the one cached at connect — that began
after the action arrived, so nothing sent after access was taken away reaches a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.http import HttpRequest

from remediation.audit_context import AuditContext, audit_context
from remediation.net import scope_client_ip
from remediation.services.access import user_group

logger = logging.getLogger(__name__)

CLOSE_ENDED = 4000
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
ACCESS_REVOKED = "access_revoked"
LOGGED_OUT = "logged_out"
MAX_LIFETIME = "max_lifetime"
LABELS = {ACCESS_REVOKED: "Access revoked", LOGGED_OUT: "Signed out", MAX_LIFETIME: "Maximum connection time reached"}


def live_user(user_id: int, session_key: str) -> tuple[User | None, str | None]:
    """The user as stored now, or why their socket must end: gone or deactivated, or their login session ended."""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None or not user.is_active:
        return None, ACCESS_REVOKED
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own check: signed out, expired, or a password change ended the login session.
    if auth.get_user(request).pk != user.pk:
        return None, LOGGED_OUT
    return user, None  # type: ignore[return-value]  # the project's user model is auth.User


class AccessGuard:
    """Calls `check` (why the socket must end, or None) on a nudge and every interval; stops once with a reason.

    After `lifetime` seconds it stops with `lifetime_reason` whatever the check says.
    """

    def __init__(
        self,
        check: Callable[[], Awaitable[str | None]],
        interval: float,
        *,
        lifetime: float | None = None,
        lifetime_reason: str = MAX_LIFETIME,
    ) -> None:
        self._check = check
        self.interval = max(0.05, interval)
        self._deadline = time.monotonic() + lifetime if lifetime else None
        self._lifetime_reason = lifetime_reason
        self._nudged = asyncio.Event()

    def nudge(self) -> None:
        """Re-check soon (a nudge before run() starts is kept)."""
        self._nudged.set()

    def _wait(self) -> float:
        if self._deadline is None:
            return self.interval
        return max(0.0, min(self.interval, self._deadline - time.monotonic()))

    async def run(self, stop: Callable[[str], None]) -> None:
        """Loop until `check` gives a reason or the lifetime is over, then call `stop(reason)` once."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self._wait())
            self._nudged.clear()
            if self._deadline is not None and time.monotonic() >= self._deadline:
                stop(self._lifetime_reason)
                return
            try:
                reason = await self._check()
            except Exception:  # a database hiccup must not end a socket; the next check decides
                logger.warning("socket access re-check failed", exc_info=True)
                continue
            if reason:
                stop(reason)
                return


class LiveAccessConsumer(AsyncWebsocketConsumer):
    """Base of every consumer: the user group, the guard, and `live_check()` for each action.

    Audit events written while it runs carry the socket's client address (the audit context). Subclasses override
    `object_access_reason(user)` (sync, runs in a thread: permission and object grant for the live user) and call
    `join_signed_in()` before authorizing (it refuses the anonymous and joins the user's group), `start_guard()` once
    accepted and `leave_access_group()` on disconnect.
    """

    # The actions this socket carries, each refused unless a live check lets it through (the permission matrix test
    # walks these, so a new action needs an entry there).
    client_actions: tuple[str, ...] = ()
    guard: AccessGuard | None = None
    guard_task: asyncio.Task[None] | None = None
    access_group = ""
    lifetime_reason = MAX_LIFETIME

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Run the socket inside its audit context: every event it causes carries the caller's address."""
        with audit_context(AuditContext(ip=scope_client_ip(scope))):
            await super().__call__(scope, receive, send)

    def object_access_reason(self, user: User) -> str | None:
        """Why this user may no longer use this socket's object (None: they may); override per consumer."""
        return None

    async def join_signed_in(self) -> User | None:
        """The signed-in user, now in their access group; None (socket closed as unauthenticated) for anyone else."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return None
        await self.join_access_group()
        return user

    async def join_access_group(self) -> None:
        """Listen for access changes (before authorizing: a change from here on is never missed)."""
        self.guard = AccessGuard(
            self.access_reason,
            settings.WEBSOCKET_ACCESS_RECHECK_SECONDS,
            lifetime=settings.WEBSOCKET_MAX_LIFETIME_SECONDS,
            lifetime_reason=self.lifetime_reason,
        )
        self.access_group = user_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self.access_group, self.channel_name)

    def start_guard(self, stop: Callable[[str], None] | None = None) -> None:
        """Run the guard; by default it ends the socket with the reason."""
        assert self.guard is not None
        self.guard_task = asyncio.ensure_future(self.guard.run(stop or self._end_soon))

    def _end_soon(self, reason: str) -> None:
        self.ending = asyncio.ensure_future(self.end_socket(reason))

    async def live_check(self) -> tuple[User | None, str | None]:
        """The live user, or why access ended; a check that begins now (its own thread, not the shared one)."""
        return await database_sync_to_async(self._live_check, thread_sensitive=False)()

    def _live_check(self) -> tuple[User | None, str | None]:
        session_key = getattr(self.scope.get("session"), "session_key", None) or ""
        user, reason = live_user(self.scope["user"].pk, session_key)
        if user is not None:
            reason = self.object_access_reason(user)
        return (None, reason) if reason else (user, None)

    async def access_reason(self) -> str | None:
        return (await self.live_check())[1]

    async def access_changed(self, message: dict[str, Any]) -> None:
        """The user's access changed (role, grant, account, sign-out): re-check it now."""
        if self.guard is not None:
            self.guard.nudge()

    async def end_socket(self, reason: str) -> None:
        """Say why, then close."""
        try:
            closed = {"type": "closed", "reason": reason, "message": LABELS.get(reason, reason)}
            await self.send(text_data=json.dumps(closed))
            await self.close(code=CLOSE_ENDED)
        except Exception:
            logger.debug("socket closed after the browser left")

    async def leave_access_group(self) -> None:
        if self.guard_task is not None:
            self.guard_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.guard_task
        if self.access_group:
            await self.channel_layer.group_discard(self.access_group, self.channel_name)
