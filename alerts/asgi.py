"""The webhook's ASGI transport: Alertmanager deliveries go straight to `handle_delivery` in a thread pool.

Under ASGI Django runs every sync view of a process in one shared thread, so a web process could only hold one
delivery's database round trips at a time, behind the whole middleware stack (sessions, CSRF, messages — none of
which a bearer-token webhook uses). This route answers `/hooks/alertmanager/` itself and hands everything else to
Django unchanged.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from alerts.webhook import Reply, declared_too_large, handle_delivery
from remediation.middleware import safe_request_id
from remediation.net import scope_client_ip

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RunSync = Callable[[Callable[[], Reply]], Awaitable[Reply]]

PATH = "/hooks/alertmanager/"


def _deliver_in_thread(authorization: str, body: bytes | None, ip: str) -> Reply:
    # What Django's request_started / request_finished signals do for a view: drop broken or expired
    # connections, and give pooled ones back when done.
    close_old_connections()
    try:
        return handle_delivery(authorization, body, client_ip=ip)
    finally:
        close_old_connections()


class WebhookRoute:
    """ASGI app: POST /hooks/alertmanager/ handled here, every other HTTP request passed to `fallback`."""

    def __init__(self, fallback: ASGIApp, *, run_sync: RunSync | None = None) -> None:
        """`run_sync` replaces the thread pool and its connection handling (tests run deliveries in their thread)."""
        self.fallback = fallback
        self._run_sync = run_sync
        self._pool: ThreadPoolExecutor | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.fallback(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        request_id = safe_request_id(headers.get("x-request-id", "")) or uuid.uuid4().hex
        if scope["method"] != "POST":
            reply = Reply(405, {"detail": f"Method {scope['method']} not allowed."}, {"Allow": "POST"})
        else:
            body = await self._read_body(receive, headers.get("content-length"))
            reply = await self.deliver(headers.get("authorization", ""), body, scope_client_ip(scope) or "unknown")
        await self._respond(send, reply, request_id)

    async def deliver(self, authorization: str, body: bytes | None, ip: str) -> Reply:
        if self._run_sync is not None:  # tests: in the test's thread, inside its transaction
            return await self._run_sync(lambda: handle_delivery(authorization, body, client_ip=ip))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(settings.WEBHOOK_THREADS, thread_name_prefix="webhook")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _deliver_in_thread, authorization, body, ip)

    @staticmethod
    async def _read_body(receive: Receive, content_length: str | None) -> bytes | None:
        """The body, or None once it is over the limit (by Content-Length, or while reading a chunked body)."""
        limit = settings.WEBHOOK_MAX_BODY_BYTES
        if declared_too_large(content_length, limit):
            return None
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    @staticmethod
    async def _respond(send: Send, reply: Reply, request_id: str) -> None:
        body = reply.body()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-request-id", request_id.encode()),
        ]
        headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
