"""The Alertmanager webhook edge: authenticate, limit, parse, call the ingest service, answer with counts.

`handle_delivery` is the one place the webhook's rules live. Two thin transports call it: the Django view below
(WSGI, the test client) and `alerts.asgi.WebhookRoute`, which production web processes (Daphne) use so that
deliveries skip the middleware stack and run in a thread pool of their own.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alerts import metrics
from alerts.payload import PayloadError, parse_payload
from alerts.services.ingest import ingest_alerts
from alerts.services.webhook_tokens import (
    auth_failure_wait,
    authenticate_webhook,
    record_auth_failure,
    rule_ids_of,
    webhook_rate_wait,
)
from remediation.jobs import BrokerUnavailable
from remediation.net import client_ip

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Reply:
    """What the webhook answers: a status, a JSON document and extra headers."""

    status: int
    document: Mapping[str, object]
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        return json.dumps(self.document).encode()


def _reject(reason: str, status: int, detail: str, **extra: object) -> Reply:
    metrics.WEBHOOK_REJECTS.labels(reason=reason).inc()
    return Reply(status, {"detail": detail, **extra})


def declared_too_large(content_length: str | None, limit: int) -> bool:
    """Whether a Content-Length header already says the body is over `limit` bytes."""
    try:
        return int(content_length or 0) > limit
    except ValueError:
        return False


def handle_delivery(authorization: str, body: bytes | None, *, client_ip: str) -> Reply:
    """One delivery: `body` is None when it was over WEBHOOK_MAX_BODY_BYTES (the token is still checked first)."""
    started = time.perf_counter()
    try:
        return _handle(authorization, body, client_ip)
    except (OperationalError, InterfaceError) as exc:
        # The message names the failure (connection refused, deadlock, too many clients); bodies are never logged.
        logger.warning("webhook answered 503: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:300])
        reply = _reject("database_unavailable", 503, "The database is unavailable; Alertmanager will retry.")
        reply.headers["Retry-After"] = "5"
        return reply
    except BrokerUnavailable as exc:  # raised before anything is stored: nothing is half-done
        logger.warning("webhook answered 503: the broker (Redis) is unreachable: %s", str(exc)[:300])
        reply = _reject("broker_unavailable", 503, "The task broker is unavailable; Alertmanager will retry.")
        reply.headers["Retry-After"] = "5"
        return reply
    finally:
        metrics.WEBHOOK_LATENCY.observe(time.perf_counter() - started)


def _handle(authorization: str, body: bytes | None, client_ip: str) -> Reply:
    token = None
    wait = auth_failure_wait(client_ip, authorization)
    if wait is None:
        token = authenticate_webhook(authorization)
        if token is None:
            wait = record_auth_failure(client_ip, settings.WEBHOOK_AUTH_FAILURE_LIMIT)
    if wait is not None:
        reply = _reject("auth_failures", 429, f"Too many failed authentications from {client_ip}; retry in {wait} s.")
        reply.headers["Retry-After"] = str(wait)
        return reply
    if token is None:
        reply = _reject("unauthorized", 401, "A valid webhook bearer token is required.")
        reply.headers["WWW-Authenticate"] = 'Bearer realm="alertmanager"'
        return reply
    wait = webhook_rate_wait(token, token.rate_limit or settings.WEBHOOK_RATE_LIMIT)
    if wait is not None:
        reply = _reject("rate_limited", 429, f"Too many deliveries for this token; retry in {wait} s.")
        reply.headers["Retry-After"] = str(wait)
        return reply
    if body is None:
        return _reject("too_large", 413, f"The body is larger than the {settings.WEBHOOK_MAX_BODY_BYTES}-byte limit.")
    try:
        batch = parse_payload(body)
    except PayloadError as exc:
        return _reject("invalid", 400, "Invalid webhook payload; nothing was stored.", errors=exc.errors)
    result = ingest_alerts(batch, source=token.name, rule_ids=rule_ids_of(token))
    return Reply(202, result.as_dict())


@csrf_exempt
@require_POST
def alertmanager_webhook(request: HttpRequest) -> HttpResponse:
    """POST /hooks/alertmanager/ — Alertmanager webhook v4, `Authorization: Bearer <token>` (WSGI transport)."""
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    body: bytes | None = None
    if not declared_too_large(request.META.get("CONTENT_LENGTH"), limit):
        body = request.read(limit + 1)
        body = None if len(body) > limit else body
    reply = handle_delivery(request.META.get("HTTP_AUTHORIZATION", ""), body, client_ip=client_ip(request) or "unknown")
    response = HttpResponse(reply.body(), status=reply.status, content_type="application/json")
    for name, value in reply.headers.items():
        response[name] = value
    return response
