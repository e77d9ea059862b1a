"""Webhook bearer tokens: creation (shown once), revocation, and authentication of a delivery."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import time
import weakref
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone

from alerts.models import WebhookToken, hash_token
from remediation.actors import Actor, user_of
from remediation.jobs import BrokerUnavailable
from remediation.permissions import CHANGE_WEBHOOKTOKEN
from remediation.services.access import require_permission
from remediation.services.audit import record_event

logger = logging.getLogger(__name__)
TOKEN_PREFIX = "rwh_"  # noqa: S105 (a marker that makes leaked tokens greppable, not a secret)
# last_used_at is written at most this often per token, so busy senders do not pay a write per request.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
# A process re-reads a token it has seen after this many seconds, so a revocation made in another process stops
# deliveries within that time (at once in the revoking process). Unknown tokens are never remembered.
TOKEN_CACHE_SECONDS = 2.0
_known: dict[str, tuple[float, WebhookToken]] = {}
_rule_scopes: dict[int, tuple[float, frozenset[int] | None]] = {}
# Addresses over WEBHOOK_AUTH_FAILURE_LIMIT, until when (epoch seconds): refused without a database lookup.
_blocked: dict[str, float] = {}


SCOPE_FIELDS = ("all_rules", "all_servers", "server_tags")


@transaction.atomic
def create_webhook_token(name: str, *, actor: Actor, scope: dict[str, Any] | None = None) -> tuple[WebhookToken, str]:
    """Create a token for a named source; returns the row and the raw token (its only appearance anywhere).

    `scope`: all_rules, all_servers, server_tags, rules, servers (nothing allowed when not given).
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = WebhookToken(name=name.strip(), token_hash=hash_token(raw), prefix=raw[:10])
    token.created_by = user_of(actor)
    _apply_scope(token, scope or {})
    record_event(
        actor=actor,
        action="webhook_token.created",
        obj=token,
        after={"name": token.name, **scope_of(token)},
    )
    return token, raw


@transaction.atomic
def set_webhook_token_scope(token: WebhookToken, scope: dict[str, Any], *, actor: Actor) -> WebhookToken:
    """Change which rules a source's alerts reach and which servers they may target; audited. Needs
    change_webhooktoken."""
    require_permission(actor, CHANGE_WEBHOOKTOKEN)
    before = scope_of(token)
    _apply_scope(token, scope)
    record_event(
        actor=actor,
        action="webhook_token.scope_changed",
        obj=token,
        before=before,
        after=scope_of(token),
    )
    forget_webhook_tokens()  # now for this thread, and again after commit (another thread may re-read meanwhile)
    transaction.on_commit(forget_webhook_tokens)
    return token


def _apply_scope(token: WebhookToken, scope: dict[str, Any]) -> None:
    for name in SCOPE_FIELDS:
        if name in scope:
            setattr(token, name, scope[name])
    token.full_clean()
    token.save()
    if "rules" in scope:
        token.rules.set(scope["rules"])
    if "servers" in scope:
        token.servers.set(scope["servers"])


def scope_of(token: WebhookToken) -> dict[str, Any]:
    """The audited view of a token's scope (rule and server names)."""
    return {
        "all_rules": token.all_rules,
        "rules": sorted(token.rules.values_list("name", flat=True)),
        "all_servers": token.all_servers,
        "server_tags": list(token.server_tags),
        "servers": sorted(token.servers.values_list("name", flat=True)),
    }


def rule_ids_of(token: WebhookToken) -> frozenset[int] | None:
    """The rules a token's alerts may reach (None: every rule); cached per process like the token itself."""
    seen = _rule_scopes.get(token.pk)
    if seen is not None and time.monotonic() - seen[0] < TOKEN_CACHE_SECONDS:
        return seen[1]
    ids = None if token.all_rules else frozenset(token.rules.values_list("pk", flat=True))
    _rule_scopes[token.pk] = (time.monotonic(), ids)
    return ids


def rules_heard_by(source: str, rules: Sequence[Any]) -> list[Any]:
    """The compiled rules an alert from `source` may reach: the token's rule scope and each rule's sources."""
    token = WebhookToken.objects.filter(name=source).first()
    allowed = rule_ids_of(token) if token is not None else frozenset()
    return [r for r in rules if (allowed is None or r.id in allowed) and r.hears(source)]


def source_allows_server(source: str, server: Any) -> str:
    """Why the source's scope refuses `server` as a target ('' when it may target it).

    Alerts without a source (none arrive that way: only rows made in the shell or tests) are not limited here;
    a source whose token no longer exists may target nothing.
    """
    if not source:
        return ""
    token = WebhookToken.objects.filter(name=source).first()
    if token is None:
        return f"source {source!r} has no webhook token, so it may target no server"
    if token.all_servers or set(token.server_tags) & set(server.tags or []):
        return ""
    if token.servers.filter(pk=server.pk).exists():
        return ""
    return f"source {source!r} may not target server {server.name!r}"


@transaction.atomic
def set_webhook_token_rate_limit(token: WebhookToken, rate_limit: str, *, actor: Actor) -> WebhookToken:
    """Give one token its own delivery limit ('' = WEBHOOK_RATE_LIMIT); audited; seen everywhere within 2 s.

    Needs change_webhooktoken.
    """
    require_permission(actor, CHANGE_WEBHOOKTOKEN)
    before = token.rate_limit
    token.rate_limit = rate_limit.strip()
    token.full_clean(exclude=["token_hash", "prefix", "name"])
    if token.rate_limit != before:
        token.save(update_fields=["rate_limit"])
        record_event(
            actor=actor,
            action="webhook_token.updated",
            obj=token,
            before={"rate_limit": before},
            after={"rate_limit": token.rate_limit},
        )
        transaction.on_commit(forget_webhook_tokens)
    return token


@transaction.atomic
def rotate_webhook_token(token: WebhookToken, *, actor: Actor) -> tuple[WebhookToken, str]:
    """A new secret for the same source (name, scope and episodes stay); the old secret stops working at once in this
    process and within 2 s in others; a revoked token becomes active again. Audited; returns the row and the raw.
    Needs change_webhooktoken."""
    require_permission(actor, CHANGE_WEBHOOKTOKEN)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    was_revoked = token.revoked_at is not None
    token.token_hash, token.prefix, token.revoked_at = hash_token(raw), raw[:10], None
    token.save(update_fields=["token_hash", "prefix", "revoked_at"])
    record_event(actor=actor, action="webhook_token.rotated", obj=token, after={"reactivated": was_revoked})
    forget_webhook_tokens()
    transaction.on_commit(forget_webhook_tokens)
    return token, raw


@transaction.atomic
def revoke_webhook_token(token: WebhookToken, *, actor: Actor) -> WebhookToken:
    """Revoke a token (kept for its history); audited. Revoking twice changes nothing. Needs change_webhooktoken."""
    require_permission(actor, CHANGE_WEBHOOKTOKEN)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="webhook_token.revoked", obj=token)
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
    """Drop this process's memory of tokens it has seen, their rule scopes and of blocked addresses."""
    _known.clear()
    _rule_scopes.clear()
    _blocked.clear()


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
    """'30000/m' → (30000, 60): requests allowed per window of seconds (s, m, h)."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600}.get(unit.strip().lower()[:1])
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"Invalid rate {rate!r}; use e.g. 30000/m.")
    return int(count), seconds


def webhook_rate_wait(token: WebhookToken, rate: str) -> int | None:
    """Count one delivery for `token` (fixed window in the shared cache); seconds to wait when over the limit.

    Raises BrokerUnavailable when the shared cache does not answer: it is the broker's Redis too, so a delivery
    accepted now would commit work that cannot be queued. The webhook answers 503 and Alertmanager retries.
    """
    return _window_wait(f"remediation:webhook-rate:{token.pk}", rate, fail_open=False)


def auth_failure_wait(ip: str, authorization: str) -> int | None:
    """Seconds an address must wait after too many failed authentications (no I/O: this process's own record).

    A token this process has already accepted still passes, so an Alertmanager behind the same address (NAT, a
    proxy) keeps delivering while someone there guesses tokens.
    """
    until = _blocked.get(ip)
    if until is None:
        return None
    remaining = until - time.time()
    if remaining <= 0:
        _blocked.pop(ip, None)
        return None
    _, _, raw = authorization.partition(" ")
    if hash_token(raw.strip()) in _known:
        return None
    return max(1, int(remaining) + 1)


def record_auth_failure(ip: str, rate: str) -> int | None:
    """Count a failed authentication from `ip` (shared by all processes); seconds to wait once over the limit."""
    wait = _window_wait(f"remediation:webhook-auth-failures:{ip}", rate)
    if wait is not None:
        if len(_blocked) > 10_000:  # a bound against address floods, not an eviction policy
            _blocked.clear()
        _blocked[ip] = time.time() + wait
    return wait


def _window_wait(name: str, rate: str, *, fail_open: bool = True) -> int | None:
    allowed, window = parse_rate(rate)
    now = time.time()
    slot = int(now // window)
    try:
        used = _count(f"{name}:{slot}", window + 1)
    except Exception as exc:  # the shared cache (Redis) is down
        if not fail_open:
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        logger.warning("webhook failure counter unavailable (%s); not counted", type(exc).__name__)
        return None
    if used <= allowed:
        return None
    return max(1, int((slot + 1) * window - now) + 1)


# INCR and EXPIRE in one round trip; registered once per process (redis-py sends EVALSHA, and the script on a miss).
COUNT_SCRIPT = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n"
_scripts: weakref.WeakKeyDictionary[RedisCache, Any] = weakref.WeakKeyDictionary()


def _count(key: str, ttl: int) -> int:
    """Increment a counter in the shared cache that expires `ttl` seconds after its last use; its new value."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip instead of the three that add() + incr() cost on Django's Redis backend, and a client made
        # once: Django's get_client() builds a new redis-py client object on every call.
        full_key = backend.make_and_validate_key(key)
        script = _scripts.get(backend)
        if script is None:
            client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]  # private, no stubs
            script = _scripts[backend] = client.register_script(COUNT_SCRIPT)
        return int(script(keys=[full_key], args=[ttl]))
    try:
        cache.add(key, 0, ttl)
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1
