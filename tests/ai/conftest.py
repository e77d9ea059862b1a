"""Fixtures of the ai tests: the local OpenAI-compatible server and a provider pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from ai.models import Provider
from tests.factories import ProviderFactory
from tests.llm_server import LLMServer

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


def run_async(function: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function on a fresh event loop in its own thread (the browser tests leave one running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, function()).result(timeout=120)  # type: ignore[arg-type]
