"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from remediation.services.health import readiness


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, channel layer and broker reachable; 503 names what is not."""
    report = readiness()
    failing = [name for name, part in report.items() if not part["ok"]]
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "checks": report}
    return JsonResponse(body, status=200 if not failing else 503)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition (django-prometheus plus the app's registry); optional bearer token."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JsonResponse({"detail": "A valid metrics bearer token is required."}, status=401)
    return ExportToDjangoView(request)
