"""Sign-in for portal and API: rate-limited per client IP and per username, every outcome audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from remediation import metrics
from remediation.net import ratelimit_ip
from remediation.services.access import access_changed
from remediation.services.audit import record_event

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class LoginRefused(Exception):
    """A sign-in that did not succeed; `retry_after` is set when it was rate-limited."""

    message: str
    retry_after: int | None = None


def _usage(request: HttpRequest, key: str, value: str) -> dict[str, int] | None:
    usage: dict[str, int] | None = get_usage(
        request,
        group=f"login-{key}",
        key=lambda _group, _request: value,
        rate=settings.LOGIN_RATE_LIMIT,
        increment=True,
    )
    return usage


def _rate_limited(request: HttpRequest, username: str) -> int | None:
    """Count this attempt; return seconds to wait when either the IP or the username is over its limit."""
    waits = []
    for key, value in (("ip", ratelimit_ip(request)), ("user", username.strip().lower())):
        usage = _usage(request, key, value)
        if usage and usage["should_limit"]:
            waits.append(max(int(usage["time_left"]), 1))
    return max(waits) if waits else None


def log_in(request: HttpRequest, *, username: str, password: str, channel: str) -> User:
    """Check credentials (after the rate limit) and audit the outcome; raises LoginRefused."""
    wait = _rate_limited(request, username)
    if wait is not None:
        metrics.LOGINS.labels(channel=channel, result="rate_limited").inc()
        record_event(
            actor=None,
            action="user.login_failed",
            object_type="auth.user",
            object_repr=username[:150],
            after={"channel": channel, "username": username[:150]},
            reason="rate limited",
            request=request,
        )
        raise LoginRefused(f"Too many login attempts. Try again in {wait} seconds.", retry_after=wait)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        metrics.LOGINS.labels(channel=channel, result="failed").inc()
        record_event(
            actor=None,
            action="user.login_failed",
            object_type="auth.user",
            object_repr=username[:150],
            after={"channel": channel, "username": username[:150]},
            reason="invalid credentials",
            request=request,
        )
        raise LoginRefused("Invalid username or password.")
    metrics.LOGINS.labels(channel=channel, result="success").inc()
    record_event(actor=user, action="user.logged_in", obj=user, after={"channel": channel}, request=request)
    return user


def log_out(request: HttpRequest) -> None:
    """End the login session, audit it, and tell the user's live connections (their terminals close)."""
    user = request.user
    # The session is gone before the connections are told, so their re-check sees it gone.
    logout(request)
    if user.is_authenticated:
        record_event(actor=user, action="user.logged_out", obj=user, request=request)
        access_changed([user.pk], cause="logged_out")
