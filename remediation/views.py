"""Core pages and operations endpoints: login/logout, dashboard, health, readiness, metrics."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from django_prometheus.exports import ExportToDjangoView

from remediation.services.auth import LoginRefused, log_in, log_out
from remediation.services.dashboard import dashboard_counts
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


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Portal (and admin) sign-in."""
    context = {"next": request.GET.get("next", ""), "error": "", "username": ""}
    if request.method == "GET":
        if request.user.is_authenticated:
            return redirect(_safe_next(request))
        return render(request, "remediation/login.html", context)
    username = request.POST.get("username", "")
    context.update(username=username, next=request.POST.get("next", ""))
    try:
        user = log_in(request, username=username, password=request.POST.get("password", ""), channel="portal")
    except LoginRefused as refused:
        context["error"] = refused.message
        response = render(request, "remediation/login.html", context, status=429 if refused.retry_after else 200)
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    django_login(request, user)
    return redirect(_safe_next(request))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Portal sign-out (POST only, CSRF-protected)."""
    log_out(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Landing page with live counts."""
    return render(request, "remediation/dashboard.html", {"counts": dashboard_counts()})


MACHINE_PREFIXES = ("/api/", "/hooks/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON for API and webhook paths, the portal page otherwise."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": f"Not found: {request.path}"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON for API and webhook paths (no details leak), the styled page otherwise.

    Rendered without the request's context processors: they read the database, which may be what broke."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON for API and webhook paths, the portal page (saying what is missing) otherwise."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "403.html", {"reason": "Your role does not allow this page or action."}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page carries inline styles the CSP refuses; this one is the portal's."""
    message = "The form was stale or sent from another site. Reload the page and try again."
    return render(request, "403.html", {"reason": message}, status=403)


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: what django-ratelimit's decorators answer when a limit is hit."""
    return JsonResponse({"detail": "Too many requests. Slow down and try again later."}, status=429)
