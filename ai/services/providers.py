"""Provider workflows: create, update, delete and test a provider, each audited (the API key never is)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from ai.models import Provider
from ai.providers import ProviderConfig, ProviderError, plain_key, probe
from remediation.services.audit import Actor, diff, record_event, snapshot

SECRET_FIELDS = ("api_key",)
UNSET = object()


AUDITED_FIELDS = (
    "name",
    "model",
    "api_base",
    "api_key",
    "timeout_seconds",
    "temperature",
    "max_tokens",
    "enabled",
    "is_default",
)


def _snapshot(provider: Provider) -> dict[str, Any]:
    return snapshot(provider, fields=AUDITED_FIELDS, secret_fields=SECRET_FIELDS)


@transaction.atomic
def save_provider(
    provider: Provider,
    data: dict[str, Any],
    *,
    actor: Actor,
    api_key: Any = UNSET,
    request: HttpRequest | None = None,
) -> Provider:
    """Create or update a provider from validated data; `api_key` replaces the key ("" clears it), else it stays."""
    creating = provider.pk is None
    before = None if creating else _snapshot(Provider.objects.get(pk=provider.pk))
    old_key = "" if creating else plain_key(provider.api_key)
    for name, value in data.items():
        setattr(provider, name, value)
    if api_key is not UNSET:
        provider.api_key = api_key or ""
    if provider.is_default:
        # The one-default constraint is the guarantee; this hands the role over instead of failing.
        Provider.objects.filter(is_default=True).exclude(pk=provider.pk).update(is_default=False)
    provider.full_clean()
    provider.save()
    after = _snapshot(provider)
    if not creating and api_key is not UNSET and (api_key or "") != old_key:
        after["api_key"] = "changed" if api_key else "cleared"
        before = {**(before or {}), "api_key": "set" if old_key else "not set"}
    before, after = diff(before, after)
    record_event(
        actor=actor,
        action="provider.created" if creating else "provider.updated",
        obj=provider,
        before=before,
        after=after,
        request=request,
        known_secrets=[k for k in (api_key if isinstance(api_key, str) else "", old_key) if k],
    )
    return provider


@transaction.atomic
def delete_provider(provider: Provider, *, actor: Actor, request: HttpRequest | None = None) -> None:
    """Delete a provider (analyses and chats keep its name and model)."""
    before = _snapshot(provider)
    record_event(actor=actor, action="provider.deleted", obj=provider, before=before, request=request)
    provider.delete()


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_ms: int | None
    error: str
    model: str


def probe_provider(provider: Provider, *, actor: Actor, request: HttpRequest | None = None) -> ProbeResult:
    """Send one tiny request and report latency or the error (masked); audited as provider.tested."""
    config = ProviderConfig.from_provider(provider)
    try:
        completion = probe(config)
        result = ProbeResult(ok=True, latency_ms=completion.latency_ms, error="", model=provider.model)
    except ProviderError as exc:
        result = ProbeResult(ok=False, latency_ms=None, error=f"{exc.kind}: {exc}", model=provider.model)
    record_event(
        actor=actor,
        action="provider.tested",
        obj=provider,
        after={"ok": result.ok, "latency_ms": result.latency_ms, "error": result.error},
        request=request,
        known_secrets=[config.api_key],
    )
    return result


def default_provider() -> Provider | None:
    """The enabled default provider, if an admin has set one."""
    return Provider.objects.filter(is_default=True, enabled=True).first()
