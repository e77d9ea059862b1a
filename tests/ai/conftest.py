"""Fixtures of the ai tests: the local OpenAI-compatible server and a provider pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.test import Client

from ai.models import Provider
from tests.factories import ProviderFactory
from tests.llm_server import LLMServer
from tests.outside_loop import outside_loop

T = TypeVar("T")
PROVIDER_KEY = "sk-live-PROVIDERKEY-0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def _fast_retries(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AI_RETRY_BACKOFF_SECONDS = 0.01
    settings.AI_MAX_RETRIES = 2


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def provider(db, llm_server: LLMServer):  # type: ignore[no-untyped-def]
    """The default provider: the real LiteLLM path (`openai/…` + api_base) against the local server."""
    Provider.objects.update(is_default=False)  # the seeded examples hold the default
    return ProviderFactory(
        name="local", api_base=llm_server.url, api_key=PROVIDER_KEY, is_default=True, timeout_seconds=2
    )


def run_async(function: Callable[[], Awaitable[T]], *, uses_db: bool = True) -> T:
    """Run a coroutine function on a fresh event loop in its own thread (the browser tests leave one running)."""

    async def closing() -> T:
        try:
            return await function()
        finally:
            if uses_db:
                # Database connections opened by sync_to_async threads are closed where they were opened.
                await database_sync_to_async(lambda: connection.close())()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, closing()).result(timeout=600)


def ws_headers(user: object | None = None, origin: bytes = b"http://127.0.0.1") -> list[tuple[bytes, bytes]]:
    """Headers of a browser WebSocket: an Origin and, for a signed-in user, the session cookie."""
    headers = [(b"origin", origin)]
    if user is not None:
        client = Client()
        outside_loop(lambda: client.force_login(user))
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers.append((b"cookie", cookie.encode()))
    return headers
