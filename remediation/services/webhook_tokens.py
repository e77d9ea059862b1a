"""Webhook bearer tokens: creation (shown once), revocation, and authentication of a delivery."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from remediation.models import WebhookToken, hash_token
from remediation.services.audit import Actor, record_event

logger = logging.getLogger(__name__)
TOKEN_PREFIX = "rwh_"  # noqa: S105 (a marker that makes leaked tokens greppable, not a secret)
# last_used_at is written at most this often per token, so busy senders do not pay a write per request.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
# A process re-reads a token it has seen after this many seconds, so a revocation made in another process stops
# deliveries within that time (at once in the revoking process). Unknown tokens are never remembered.
TOKEN_CACHE_SECONDS = 2.0
_known: dict[str, tuple[float, WebhookToken]] = {}


@transaction.atomic
def create_webhook_token(name: str, *, actor: Actor, request: HttpRequest | None = None) -> tuple[WebhookToken, str]:
    """Create a token for a named source; returns the row and the raw token (its only appearance anywhere)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = WebhookToken(name=name.strip(), token_hash=hash_token(raw), prefix=raw[:10])
    token.created_by = actor if getattr(actor, "pk", None) else None  # type: ignore[assignment]
    token.full_clean()
    token.save()
    record_event(actor=actor, action="webhook_token.created", obj=token, after={"name": token.name}, request=request)
    return token, raw


@transaction.atomic
def revoke_webhook_token(token: WebhookToken, *, actor: Actor, request: HttpRequest | None = None) -> WebhookToken:
    """Revoke a token (kept for its history); audited. Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="webhook_token.revoked", obj=token, request=request)
        transaction.on_commit(forget_webhook_tokens)
    return token


def authenticate_webhook(authorization: str) -> WebhookToken | None:
    """The active token named by an `Authorization: Bearer …` header, or None; the hash is compared in constant time."""
    scheme, _, raw = authorization.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = _active_token(digest)
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        WebhookToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def forget_webhook_tokens() -> None:
    """Drop this process's memory of tokens it has seen (the next delivery of each reads the database)."""
    _known.clear()


def _active_token(digest: str) -> WebhookToken | None:
    seen = _known.get(digest)
    if seen is not None and time.monotonic() - seen[0] < TOKEN_CACHE_SECONDS:
        return seen[1]
    token = WebhookToken.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
    if token is None:
        _known.pop(digest, None)
        return None
    if len(_known) > 1000:  # a bound, not an eviction policy: there are only a handful of tokens
        _known.clear()
    _known[digest] = (time.monotonic(), token)
    return token


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/m' → (600, 60): requests allowed per window of seconds (s, m, h)."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600}.get(unit.strip().lower()[:1])
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"Invalid rate {rate!r}; use e.g. 600/m.")
    return int(count), seconds


def webhook_rate_wait(token: WebhookToken, rate: str) -> int | None:
    """Count one delivery for `token` (fixed window in the shared cache); seconds to wait when over the limit."""
    allowed, window = parse_rate(rate)
    now = time.time()
    slot = int(now // window)
    key = f"remediation:webhook-rate:{token.pk}:{slot}"
    try:
        used = _count(key, window + 1)
    except Exception:  # the shared cache (Redis) is down: accept (fail open) rather than lose alerts
        logger.warning("webhook rate limit unavailable; delivery accepted unlimited", exc_info=True)
        return None
    if used <= allowed:
        return None
    return max(1, int((slot + 1) * window - now) + 1)


def _count(key: str, ttl: int) -> int:
    """Increment a counter in the shared cache that expires `ttl` seconds after its last use; its new value."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip instead of the three that add() + incr() cost on Django's Redis backend.
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]  # private, not in the stubs
        used, _ = client.pipeline(transaction=False).incr(full_key).expire(full_key, ttl).execute()
        return int(used)
    try:
        cache.add(key, 0, ttl)
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1
