"""ai.llm through the real LiteLLM request path against the local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from ai.llm import ProviderConfig, ProviderError, complete, stream
from tests.ai.conftest import PROVIDER_KEY, run_async
from tests.llm_server import LLMServer, Reply, tool_call

HELLO = [{"role": "user", "content": "hello"}]


def _config(server: LLMServer, **extra: object) -> ProviderConfig:
    values = {"name": "t", "model": "openai/gpt-4o-mini", "api_base": server.url, "api_key": PROVIDER_KEY, "timeout": 2}
    values.update(extra)
    return ProviderConfig(**values)  # type: ignore[arg-type]


def test_it_returns_content_tokens_and_cost_from_the_bundled_cost_map(llm_server: LLMServer) -> None:
    llm_server.push(Reply(content="fine", prompt_tokens=1000, completion_tokens=100))
    result = complete(_config(llm_server), HELLO)
    assert result.content == "fine" and result.prompt_tokens == 1000 and result.completion_tokens == 100
    assert result.cost_usd == pytest.approx(1000 * 0.15e-6 + 100 * 0.6e-6)
    body = llm_server.requests[0]
    assert body["model"] == "gpt-4o-mini" and body["messages"] == HELLO and body["max_tokens"] == 1024
    assert llm_server.headers[0]["authorization"] == f"Bearer {PROVIDER_KEY}"


def test_it_retries_after_a_429_and_succeeds(llm_server: LLMServer) -> None:
    llm_server.push(Reply(status=429), Reply(content="second time"))
    result = complete(_config(llm_server), HELLO)
    assert result.content == "second time" and result.attempts == 2 and len(llm_server.requests) == 2


def test_it_gives_up_after_repeated_500s_without_leaking_the_key(llm_server: LLMServer) -> None:
    llm_server.push(*(Reply(status=500) for _ in range(5)))
    with pytest.raises(ProviderError) as caught:
        complete(_config(llm_server), HELLO)
    assert caught.value.kind == "server_error" and caught.value.attempts == 3
    assert len(llm_server.requests) == 3
    assert PROVIDER_KEY not in str(caught.value)


def test_it_records_a_timeout_as_retryable_then_fails(llm_server: LLMServer) -> None:
    llm_server.push(*(Reply(delay=2.5) for _ in range(2)))
    with pytest.raises(ProviderError) as caught:
        complete(_config(llm_server, timeout=1), HELLO, retries=1)
    assert caught.value.kind == "timeout" and caught.value.attempts == 2


def test_it_does_not_retry_a_client_error(llm_server: LLMServer) -> None:
    llm_server.push(Reply(status=400), Reply(content="never asked"))
    with pytest.raises(ProviderError) as caught:
        complete(_config(llm_server), HELLO)
    assert caught.value.kind == "request" and len(llm_server.requests) == 1


def test_it_survives_a_malformed_response_body(llm_server: LLMServer) -> None:
    llm_server.push(Reply(raw=b"{this is not json"), Reply(raw=b"<html>"), Reply(raw=b"]"))
    with pytest.raises(ProviderError) as caught:
        complete(_config(llm_server), HELLO)
    assert caught.value.attempts >= 1


def test_it_returns_tool_calls(llm_server: LLMServer) -> None:
    llm_server.push(Reply(content="", tool_calls=[tool_call("propose", {"runbook": "restart"})]))
    tools = [{"type": "function", "function": {"name": "propose", "parameters": {"type": "object"}}}]
    result = complete(_config(llm_server), HELLO, tools=tools)
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("propose", '{"runbook": "restart"}')]
    assert llm_server.requests[0]["tools"][0]["function"]["name"] == "propose"


def test_it_streams_deltas_then_a_final_completion_with_usage(llm_server: LLMServer) -> None:
    llm_server.push(Reply(content="one two three", tool_calls=[tool_call("propose", {"a": 1})]))

    async def collect() -> list:  # type: ignore[type-arg]
        return [event async for event in stream(_config(llm_server), HELLO)]

    events = run_async(collect, uses_db=False)
    assert [e.text for e in events[:-1]] == ["one ", "two ", "three"]
    final = events[-1].final
    assert final is not None and final.content == "one two three" and final.completion_tokens == 30
    assert final.tool_calls[0].name == "propose" and final.tool_calls[0].arguments == '{"a": 1}'
    assert llm_server.requests[0]["stream"] is True


def test_it_retries_a_stream_that_failed_before_any_token(llm_server: LLMServer) -> None:
    llm_server.push(Reply(status=503), Reply(content="ok then"))

    async def collect() -> str:
        return "".join([event.text async for event in stream(_config(llm_server), HELLO)])

    assert run_async(collect, uses_db=False) == "ok then"
    assert len(llm_server.requests) == 2
