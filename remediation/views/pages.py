"""Core portal pages: sign-in, sign-out and the dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from remediation.actors import Actor
from remediation.services.auth import LoginRefused, log_in, log_out
from remediation.services.dashboard import dashboard as dashboard_data

# The windows the dashboard offers (days); the API takes any from 1 to 90.
DASHBOARD_WINDOWS = (1, 7, 30)


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


def _window(request: HttpRequest) -> int:
    """The chosen window in days: one the page offers, else the default week."""
    raw = request.GET.get("days", "")
    return int(raw) if raw in {str(days) for days in DASHBOARD_WINDOWS} else 7


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Landing page: counts, the getting-started checklist and the incident charts (live: see dashboard_json)."""
    days = _window(request)
    context = dashboard_data(actor=Actor.of(request.user), days=days)
    return render(request, "remediation/dashboard.html", {**context, "days": days, "windows": DASHBOARD_WINDOWS})


@require_safe
@login_required
def dashboard_json(request: HttpRequest) -> JsonResponse:
    """What the dashboard shows, as JSON, for its page to refresh itself without a reload."""
    return JsonResponse(dashboard_data(actor=Actor.of(request.user), days=_window(request)))
