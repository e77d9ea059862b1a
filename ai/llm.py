"""The only module that imports LiteLLM (lazily): completions, streaming, tool calls, retries, cost."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

from remediation.redaction import mask_text

if TYPE_CHECKING:
    from ai.models import Provider

Message = dict[str, Any]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderConfig:
    """What one call needs; built from a Provider row (the only place its API key is read)."""

    name: str
    model: str
    api_base: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = 60
    temperature: float = 0.2
    max_tokens: int = 1024

    @classmethod
    def from_provider(cls, provider: Provider) -> ProviderConfig:
        return cls(
            name=provider.name,
            model=provider.model,
            api_base=provider.api_base,
            api_key=plain_key(provider.api_key),
            timeout=provider.timeout_seconds,
            temperature=provider.temperature,
            max_tokens=provider.max_tokens,
        )


def plain_key(value: Any) -> str:
    """A provider key as text: a freshly assigned str, or the stored sealed value opened with CRYPTOGRAPHY_KEY."""
    from remediation.models.secrets import SealedSecret, unseal

    if isinstance(value, SealedSecret):
        return unseal(value) if value else ""
    return value or ""


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """The outcome of one successful call."""

    content: str
    tool_calls: list[ToolCall]
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    latency_ms: int
    attempts: int = 1
    provider: str = ""  # the name of the provider that answered (a fallback's, when it stood in)


# The failures after which a provider's fallback is called: the provider is slow, overloaded or broken. A request
# the provider refused (400, 401, 404, …) would be refused by a fallback too, or means a mistake to fix.
FALLBACK_KINDS = frozenset({"timeout", "rate_limited", "server_error"})


class ProviderError(Exception):
    """A call that failed for good; `kind` is timeout, rate_limited, server_error, connection or request."""

    def __init__(self, message: str, *, kind: str, retryable: bool, attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.attempts = attempts


def _litellm() -> Any:
    """Import LiteLLM on first use, with its model cost map read locally (no network at import)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.drop_params = True
    # LiteLLM attaches its own stream handlers; drop them so its records go only through ours (which redact).
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logging.getLogger(name).handlers.clear()
    return litellm


def ensure_loaded() -> None:
    """Import LiteLLM now (seconds of CPU): call it from a worker thread, never on an event loop."""
    _litellm()


def _classify(exc: Exception, config: ProviderConfig) -> ProviderError:
    litellm = _litellm()
    message = mask_text(f"{type(exc).__name__}: {exc}", [config.api_key])[:2000]
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.Timeout):
        return ProviderError(message, kind="timeout", retryable=True)
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return ProviderError(message, kind="rate_limited", retryable=True)
    if isinstance(exc, litellm.InternalServerError | litellm.ServiceUnavailableError | litellm.BadGatewayError) or (
        isinstance(status, int) and status >= 500
    ):
        return ProviderError(message, kind="server_error", retryable=True)
    if isinstance(exc, litellm.APIConnectionError):
        return ProviderError(message, kind="connection", retryable=True)
    return ProviderError(message, kind="request", retryable=False)


def _arguments(config: ProviderConfig, messages: list[Message], tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": messages,
        "timeout": config.timeout,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
        "max_retries": 0,  # retries are ours (backoff, counted), never the SDK's hidden ones
    }
    if config.api_base:
        kwargs["api_base"] = config.api_base
    if config.api_key:
        kwargs["api_key"] = config.api_key
    if tools:
        kwargs["tools"] = tools
    return kwargs


def cost_usd(model: str, prompt_tokens: int | None, completion_tokens: int | None) -> float | None:
    """Price from LiteLLM's bundled cost map; None for models it does not know (self-hosted ones)."""
    if prompt_tokens is None and completion_tokens is None:
        return None
    try:
        prompt_cost, completion_cost = _litellm().cost_per_token(
            model=model, prompt_tokens=prompt_tokens or 0, completion_tokens=completion_tokens or 0
        )
    except Exception:
        return None
    return float(prompt_cost + completion_cost)


def _completion(response: Any, config: ProviderConfig, started: float, attempts: int) -> Completion:
    message = response.choices[0].message
    calls = [ToolCall(c.id or "", c.function.name or "", c.function.arguments or "") for c in message.tool_calls or []]
    usage = getattr(response, "usage", None)
    return _finished(message.content or "", calls, usage, config=config, started=started, attempts=attempts)


def _finished(
    content: str, calls: list[ToolCall], usage: Any, *, config: ProviderConfig, started: float, attempts: int
) -> Completion:
    """The Completion of a finished call, whole or streamed: its tokens (when reported), cost and latency."""
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    return Completion(
        content=content,
        tool_calls=calls,
        model=config.model,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=cost_usd(config.model, prompt, completion),
        latency_ms=int((time.monotonic() - started) * 1000),
        attempts=attempts,
        provider=config.name,
    )


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter before retry number `attempt` (1-based)."""
    base = float(settings.AI_RETRY_BACKOFF_SECONDS)
    return base * (2 ** (attempt - 1)) * (1 + random.random() / 2)  # noqa: S311 (jitter, not crypto)


def complete(
    config: ProviderConfig,
    messages: list[Message],
    *,
    tools: list[dict[str, Any]] | None = None,
    retries: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Completion:
    """One completion, retried with backoff on 429, 5xx, timeouts and connection errors; raises ProviderError."""
    litellm = _litellm()
    retries = settings.AI_MAX_RETRIES if retries is None else retries
    started = time.monotonic()
    for attempt in range(1, retries + 2):
        try:
            response = litellm.completion(**_arguments(config, messages, tools))
            return _completion(response, config, started, attempt)
        except Exception as exc:
            error = _classify(exc, config)
            error.attempts = attempt
            if not error.retryable or attempt > retries:
                raise error from None
        sleep(backoff_seconds(attempt))
    raise AssertionError("unreachable")


@dataclass
class StreamEvent:
    """A piece of a streamed reply: a text delta, or the final Completion."""

    text: str = ""
    final: Completion | None = None


def _merge_tool_calls(parts: dict[int, dict[str, str]], deltas: Any) -> None:
    for delta in deltas or []:
        slot = parts.setdefault(getattr(delta, "index", 0) or 0, {"id": "", "name": "", "arguments": ""})
        slot["id"] = getattr(delta, "id", None) or slot["id"]
        function = getattr(delta, "function", None)
        if function is not None:
            slot["name"] = getattr(function, "name", None) or slot["name"]
            slot["arguments"] += getattr(function, "arguments", None) or ""


async def stream(
    config: ProviderConfig,
    messages: list[Message],
    *,
    tools: list[dict[str, Any]] | None = None,
    retries: int | None = None,
) -> AsyncIterator[StreamEvent]:
    """Stream a reply token by token; retried (with backoff) only while nothing has been received yet."""
    litellm = _litellm()
    started = time.monotonic()
    retries = settings.AI_MAX_RETRIES if retries is None else retries
    for attempt in range(1, retries + 2):
        received = False
        try:
            response = await litellm.acompletion(
                **_arguments(config, messages, tools), stream=True, stream_options={"include_usage": True}
            )
            text: list[str] = []
            calls: dict[int, dict[str, str]] = {}
            usage = None
            async for chunk in response:
                usage = getattr(chunk, "usage", None) or usage
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                _merge_tool_calls(calls, getattr(delta, "tool_calls", None))
                if delta.content:
                    received = True
                    text.append(delta.content)
                    yield StreamEvent(text=delta.content)
            merged = [ToolCall(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items())]
            final = _finished("".join(text), merged, usage, config=config, started=started, attempts=attempt)
            yield StreamEvent(final=final)
            return
        except Exception as exc:
            error = _classify(exc, config)
            error.attempts = attempt
            if received or not error.retryable or attempt > retries:
                raise error from None
        await asyncio.sleep(backoff_seconds(attempt))


async def stream_with_fallback(
    config: ProviderConfig,
    fallback: ProviderConfig | None,
    messages: list[Message],
    *,
    tools: list[dict[str, Any]] | None = None,
) -> AsyncIterator[StreamEvent]:
    """`stream` from the provider; when it fails (FALLBACK_KINDS, after its retries) before any text arrived, the
    fallback is streamed once, without retries, with the same messages. The final Completion names who answered."""
    received = False
    try:
        async for event in stream(config, messages, tools=tools):
            received = received or bool(event.text)
            yield event
        return
    except ProviderError as exc:
        if fallback is None or received or exc.kind not in FALLBACK_KINDS:
            raise
        logger.warning("provider %s failed (%s); falling back to %s", config.name, exc.kind, fallback.name)
    async for event in stream(fallback, messages, tools=tools, retries=0):
        yield event


def count_tokens(model: str, messages: list[Message]) -> int:
    """Prompt size by LiteLLM's tokenizer for the model (bundled tokenizers; no download)."""
    try:
        return int(_litellm().token_counter(model=model, messages=messages))
    except Exception:
        return sum(len(json.dumps(m)) for m in messages) // 4


def probe(config: ProviderConfig) -> Completion:
    """One tiny request without retries (the admin's "test provider")."""
    tiny = ProviderConfig(**{**config.__dict__, "max_tokens": 16, "temperature": 0})
    return complete(tiny, [{"role": "user", "content": "Reply with the single word OK."}], retries=0)
