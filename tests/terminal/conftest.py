"""Terminal fixtures: a server pointing at the real sshd, and WebSocket connections with a real session cookie."""

from __future__ import annotations

import asyncio
import gc
import json
import shutil
import tempfile
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from remediation.models import CredentialKind
from tests.factories import CredentialFactory, ServerFactory
from tests.outside_loop import outside_loop
from tests.sshd import make_client_key

T = TypeVar("T")

ORIGIN = b"http://127.0.0.1"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a fresh loop in its own thread (Playwright's sync API may own this thread's loop)."""

    def in_thread() -> T:
        try:
            return asyncio.run(coroutine)
        finally:
            connections.close_all()  # the connections this thread opened (e.g. signing in) die with it

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(in_thread).result()
    gc.collect()  # database connections left in the loop's finished executor threads close when collected
    return result


@pytest.fixture(autouse=True)
def _recordings_dir(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path / "recordings")


def pin(server, sshd) -> None:  # type: ignore[no-untyped-def]
    """Pin the sshd's real host key on the server row."""
    key_type, key_base64 = sshd.host_key_line().split()[:2]
    server.host_key_type, server.host_key = key_type, key_base64
    server.save()


@pytest.fixture(scope="session")
def terminal_key(sshd):  # type: ignore[no-untyped-def]
    """An ed25519 client key authorized on the session's sshd (the terminal logs in with a key credential)."""
    directory = Path(tempfile.mkdtemp(prefix="remediation-terminal-key-"))
    key = make_client_key(directory, "ed25519")
    shutil.rmtree(directory, ignore_errors=True)
    sshd.authorize(key)
    return key


@pytest.fixture
def ssh_server(sshd, terminal_key):  # type: ignore[no-untyped-def]
    """A server row for the session's sshd: SSH key credential, pinned host key, tag `web`."""
    credential = CredentialFactory(kind=CredentialKind.SSH_KEY, password=None, private_key=terminal_key.private_text)
    server = ServerFactory(
        name="web-1", hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential, tags=["web"]
    )
    pin(server, sshd)
    return server


def session_headers(user, client: Client | None = None) -> list[tuple[bytes, bytes]]:  # type: ignore[no-untyped-def]
    """Origin, host and the session cookie of `user` signed in through Django's session machinery (on `client`)."""
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1")]
    if user is not None:
        signed_in = client or Client()
        outside_loop(lambda: signed_in.force_login(user))
        cookie = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


class Terminal:
    """A WebsocketCommunicator on config.asgi.application, with helpers that read output and control frames."""

    def __init__(
        self,
        server_id: int,
        user: Any,
        cols: int = 80,
        rows: int = 24,
        *,
        client: Client | None = None,
        peer: str = "127.0.0.1",
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        from config.asgi import application

        path = f"/ws/terminal/{server_id}/?cols={cols}&rows={rows}"
        self.ws = WebsocketCommunicator(application, path, headers=[*session_headers(user, client), *headers])
        self.ws.scope["client"] = (peer, 50000)  # what Daphne puts there: the socket peer
        self.output = b""
        self.controls: list[dict[str, Any]] = []
        self.close_code: int | None = None

    async def connect(self) -> tuple[bool, int | None]:
        return await self.ws.connect(timeout=15)

    async def send(self, **message: Any) -> None:
        await self.ws.send_to(text_data=json.dumps(message))

    async def type(self, text: str) -> None:
        await self.send(type="input", data=text)

    async def _next(self, timeout: float) -> bool:
        """Read one frame; False once the socket is closed."""
        event = await self.ws.receive_output(timeout)
        if event["type"] == "websocket.close":
            self.close_code = event.get("code")
            return False
        if event.get("bytes") is not None:
            self.output += event["bytes"]
        else:
            self.controls.append(json.loads(event["text"]))
        return True

    async def read_until(self, needle: bytes, timeout: float = 10) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while needle not in self.output:
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._next(remaining):
                raise AssertionError(f"{needle!r} not in output: {self.output[-500:]!r} controls={self.controls}")
        return self.output

    async def control(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not any(c["type"] == kind for c in self.controls):
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._next(remaining):
                raise AssertionError(f"no {kind!r} control message; got {self.controls}")
        return next(c for c in self.controls if c["type"] == kind)

    async def wait_closed(self, timeout: float = 10) -> int | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.close_code is None and await self._next(max(0.01, deadline - loop.time())):
            pass
        return self.close_code

    async def drain(self) -> None:
        """Read every frame already sent (without waiting for more)."""
        while not await self.ws.receive_nothing() and await self._next(1):
            pass

    async def disconnect(self) -> None:
        await self.ws.disconnect()
