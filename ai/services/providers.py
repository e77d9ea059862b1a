"""Provider workflows: create, update, delete, test and health-check providers, audited (the API key never is)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ai.choices import ProviderHealth
from ai.llm import FALLBACK_KINDS, Completion, Message, ProviderConfig, ProviderError, complete, plain_key, probe
from ai.models import Provider
from remediation.actors import SYSTEM, Actor
from remediation.permissions import CHANGE_PROVIDER
from remediation.redaction import mask_text
from remediation.services.access import require_permission
from remediation.services.audit import diff, record_event, snapshot

logger = logging.getLogger(__name__)

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
    "fallback",
)


REKEY_MESSAGE = (
    "Changing the API base or the model's provider sends the key to another place: enter the API key again "
    "(or clear it)."
)


def destination(model: str, api_base: str) -> tuple[str, str]:
    """Where a provider's requests, and so its key, go: LiteLLM's provider prefix of the model and the API base."""
    prefix = model.split("/", 1)[0] if "/" in model else f"={model}"  # a bare name: LiteLLM guesses from all of it
    return prefix.strip().lower(), api_base.strip().rstrip("/").lower()


def key_must_be_reentered(stored: Provider, *, model: str, api_base: str) -> bool:
    """A stored key is never sent to a new destination unless whoever changes it types the key again."""
    return bool(stored.api_key) and destination(stored.model, stored.api_base) != destination(model, api_base)


def _snapshot(provider: Provider) -> dict[str, Any]:
    return snapshot(provider, fields=AUDITED_FIELDS, secret_fields=SECRET_FIELDS)


@transaction.atomic
def save_provider(
    provider: Provider,
    data: dict[str, Any],
    *,
    actor: Actor,
    api_key: Any = UNSET,
) -> Provider:
    """Create or update a provider from validated data; `api_key` replaces the key ("" clears it), else it stays.

    A new model provider or API base needs the key again (`api_key`), or whoever may edit providers could send the
    stored key to a host of their choosing."""
    creating = provider.pk is None
    if not creating and api_key is UNSET:
        stored = Provider.objects.get(pk=provider.pk)
        model, api_base = data.get("model", stored.model), data.get("api_base", stored.api_base)
        if key_must_be_reentered(stored, model=model, api_base=api_base):
            raise ValidationError({"api_key": [REKEY_MESSAGE]})
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
    old, new = diff(before, after)
    record_event(
        actor=actor,
        action="provider.created" if creating else "provider.updated",
        obj=provider,
        before=old,
        after=new,
        known_secrets=[k for k in (api_key if isinstance(api_key, str) else "", old_key) if k],
    )
    return provider


@transaction.atomic
def delete_provider(provider: Provider, *, actor: Actor) -> None:
    """Delete a provider (analyses and chats keep its name and model)."""
    before = _snapshot(provider)
    record_event(actor=actor, action="provider.deleted", obj=provider, before=before)
    provider.delete()


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_ms: int | None
    error: str
    model: str


# A health check bounds each probe (a provider's own timeout may be 600 s) so one slow provider cannot use up the
# task's time and leave the others unchecked.
HEALTH_CHECK_TIMEOUT_SECONDS = 30.0


def _probe(provider: Provider, *, timeout: float | None = None) -> tuple[ProbeResult, list[str]]:
    """One tiny request; returns the result (its error masked) and the secrets that were masked."""
    config = ProviderConfig.from_provider(provider)
    if timeout is not None:
        config = replace(config, timeout=min(config.timeout, timeout))
    secrets = [s for s in (config.api_key, urlsplit(config.api_base).password or "") if s]
    try:
        completion = probe(config)
        return ProbeResult(ok=True, latency_ms=completion.latency_ms, error="", model=provider.model), secrets
    except ProviderError as exc:
        error = mask_text(f"{exc.kind}: {exc}", secrets)
        return ProbeResult(ok=False, latency_ms=None, error=error, model=provider.model), secrets


def record_health(provider: Provider, result: ProbeResult) -> str:
    """Store a probe's outcome on the provider (its other fields untouched); returns the previous status."""
    previous = provider.health_status
    fields = {
        "health_status": ProviderHealth.OK if result.ok else ProviderHealth.UNHEALTHY,
        "health_checked_at": timezone.now(),
        "health_latency_ms": result.latency_ms,
        "health_error": result.error,
    }
    Provider.objects.filter(pk=provider.pk).update(**fields)
    for name, value in fields.items():
        setattr(provider, name, value)
    return previous


def probe_provider(provider: Provider, *, actor: Actor) -> ProbeResult:
    """Send one tiny request and report latency or the error (masked); recorded as its health, audited.

    Needs ai.change_provider: the request spends the provider's key."""
    require_permission(actor, CHANGE_PROVIDER)
    result, secrets = _probe(provider)
    record_health(provider, result)
    record_event(
        actor=actor,
        action="provider.tested",
        obj=provider,
        after={"ok": result.ok, "latency_ms": result.latency_ms, "error": result.error},
        known_secrets=secrets,
    )
    return result


def check_provider_health(*, actor: Actor = SYSTEM) -> dict[str, str]:
    """Probe every enabled provider and record its health; a change of status is audited."""
    statuses: dict[str, str] = {}
    for provider in Provider.objects.filter(enabled=True).order_by("name"):
        try:
            result, secrets = _probe(provider, timeout=HEALTH_CHECK_TIMEOUT_SECONDS)
        except Exception as exc:  # e.g. a key sealed with another CRYPTOGRAPHY_KEY; the type says enough
            result, secrets = ProbeResult(False, None, f"configuration: {type(exc).__name__}", provider.model), []
        previous = record_health(provider, result)
        if previous != provider.health_status:
            record_event(
                actor=actor,
                action="provider.health_changed",
                obj=provider,
                before={"status": previous},
                after={"status": provider.health_status, "error": result.error},
                known_secrets=secrets,
            )
        statuses[provider.name] = provider.health_status
    return statuses


def default_provider() -> Provider | None:
    """The enabled default provider, if an admin has set one."""
    return Provider.objects.filter(is_default=True, enabled=True).first()


class ProviderUnavailable(ValueError):
    """A chosen provider that does not exist or is not enabled (the caller answers 400; nothing changes)."""


def chosen_provider(value: Any) -> Provider | None:
    """The provider a user picked for an analysis, chat or investigation (any enabled one; id or name), or None
    when none was picked (the default applies); an unknown or disabled one raises ProviderUnavailable."""
    if value is None or value == "":
        return None
    if isinstance(value, Provider):
        provider: Provider | None = value
    else:
        text = str(value).strip()
        found = Provider.objects.filter(pk=int(text)) if text.isdigit() else Provider.objects.filter(name=text)
        provider = found.first()
    if provider is None:
        raise ProviderUnavailable(f"No AI provider {value!s}.")
    if not provider.enabled:
        raise ProviderUnavailable(f"The AI provider {provider.name} is disabled; pick an enabled one.")
    return provider


def enabled_providers() -> list[Provider]:
    """What a user may pick from, by name."""
    return list(Provider.objects.filter(enabled=True).order_by("name"))


def fallback_of(provider: Provider) -> Provider | None:
    """The provider's fallback, when it names an enabled one."""
    fallback = provider.fallback
    return fallback if fallback is not None and fallback.enabled and fallback.pk != provider.pk else None


def complete_with_fallback(
    provider: Provider, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
) -> tuple[Completion, Provider]:
    """One completion from `provider` (with its retries); when it still fails with a timeout, 429 or 5xx, its
    enabled fallback is called once with the same messages. Returns the completion and the provider that answered;
    raises the ProviderError of the last call (its `attempts` counting both)."""
    try:
        return complete(ProviderConfig.from_provider(provider), messages, tools=tools), provider
    except ProviderError as exc:
        fallback = fallback_of(provider)
        if fallback is None or exc.kind not in FALLBACK_KINDS:
            raise
        logger.warning("provider %s failed (%s); falling back to %s", provider.name, exc.kind, fallback.name)
        first_attempts = exc.attempts
    try:
        completion = complete(ProviderConfig.from_provider(fallback), messages, tools=tools, retries=0)
    except ProviderError as exc:
        exc.attempts += first_attempts
        raise
    return replace(completion, attempts=completion.attempts + first_attempts), fallback
