"""The Alertmanager webhook edge: authenticate, limit, parse, call the ingest service, answer with counts."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alerts.payload import PayloadError, parse_payload
from alerts.services.ingest import ingest_alerts
from remediation import metrics
from remediation.services.webhook_tokens import authenticate_webhook, webhook_rate_wait

logger = logging.getLogger(__name__)


def _reject(reason: str, status: int, detail: str, **extra: object) -> JsonResponse:
    metrics.WEBHOOK_REJECTS.labels(reason=reason).inc()
    return JsonResponse({"detail": detail, **extra}, status=status)


def _unavailable() -> JsonResponse:
    response = _reject("database_unavailable", 503, "The database is unavailable; Alertmanager will retry.")
    response["Retry-After"] = "5"
    return response


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` bytes (judged by Content-Length first, then by reading)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
@require_POST
def alertmanager_webhook(request: HttpRequest) -> JsonResponse:
    """POST /hooks/alertmanager/ — Alertmanager webhook v4, `Authorization: Bearer <token>`."""
    started = time.perf_counter()
    try:
        return _handle(request)
    except (OperationalError, InterfaceError) as exc:
        # The message names the failure (connection refused, deadlock, too many clients); bodies are never logged.
        logger.warning("webhook answered 503: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:300])
        return _unavailable()
    finally:
        metrics.WEBHOOK_LATENCY.observe(time.perf_counter() - started)


def _handle(request: HttpRequest) -> JsonResponse:
    token = authenticate_webhook(request.META.get("HTTP_AUTHORIZATION", ""))
    if token is None:
        response = _reject("unauthorized", 401, "A valid webhook bearer token is required.")
        response["WWW-Authenticate"] = 'Bearer realm="alertmanager"'
        return response
    wait = webhook_rate_wait(token, settings.WEBHOOK_RATE_LIMIT)
    if wait is not None:
        response = _reject("rate_limited", 429, f"Too many deliveries for this token; retry in {wait} s.")
        response["Retry-After"] = str(wait)
        return response
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    body = _read_body(request, limit)
    if body is None:
        return _reject("too_large", 413, f"The body is larger than the {limit}-byte limit.")
    try:
        batch = parse_payload(body)
    except PayloadError as exc:
        return _reject("invalid", 400, "Invalid webhook payload; nothing was stored.", errors=exc.errors)
    result = ingest_alerts(batch, source=token.name)
    return JsonResponse(result.as_dict(), status=202)
