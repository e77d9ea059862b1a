"""Middleware: the request id (taken from X-Request-ID when sane, else generated, echoed) with the audit context,
and the CSP header."""

from __future__ import annotations

import functools
import re
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from remediation.audit_context import AuditContext, audit_context
from remediation.net import client_ip
from remediation.services.profile import time_zone_of

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def safe_request_id(incoming: str) -> str:
    """`incoming` when it is a sane id to echo and log, otherwise the empty string."""
    return incoming if _SAFE_ID.match(incoming) else ""


class RequestIdMiddleware:
    """Gives every request an id, and sets the audit context (address, id) that audit events carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = safe_request_id(incoming) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with audit_context(AuditContext(ip=client_ip(request), request_id=request_id)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def content_security_policy(directives: dict[str, list[str]], extra: dict[str, list[str]] | None = None) -> str:
    """The header value: each directive with its sources, `extra` sources appended where a view widened one."""
    merged = {name: list(sources) for name, sources in directives.items()}
    for name, sources in (extra or {}).items():
        merged.setdefault(name, []).extend(s for s in sources if s not in merged[name])
    return "; ".join(" ".join([name, *sources]).strip() for name, sources in merged.items())


def csp_widen(**directives: list[str]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: add sources to some directives for this view only, e.g. style_src=["'unsafe-inline'"]."""
    extra = {name.replace("_", "-"): sources for name, sources in directives.items()}

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> HttpResponse:
            response = view(*args, **kwargs)
            response.csp_extra = extra  # type: ignore[attr-defined]
            return response

        return wrapped

    return decorate


class ContentSecurityPolicyMiddleware:
    """Sends CONTENT_SECURITY_POLICY on every response that has none (Django 5.2 has no CSP of its own).

    The policy allows scripts only from this origin, so an injected inline script, event handler or `javascript:`
    URL never runs: templates and static files carry no inline script.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        directives = settings.CONTENT_SECURITY_POLICY
        if directives and "Content-Security-Policy" not in response:
            header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
            response[header] = content_security_policy(directives, getattr(response, "csp_extra", None))
        return response


class UserTimeZoneMiddleware:
    """Shows a signed-in person's times in the zone they chose (looked up once per session, kept in it)."""

    SESSION_KEY = "time_zone"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        zone = request.session.get(self.SESSION_KEY)
        if zone is None:
            zone = request.session[self.SESSION_KEY] = time_zone_of(user)  # type: ignore[arg-type]
        try:
            timezone.activate(zoneinfo.ZoneInfo(str(zone)))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
