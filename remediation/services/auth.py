"""Sign-in for portal and API: rate-limited per client IP and per username, every outcome audited."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from remediation import metrics
from remediation.actors import Actor
from remediation.net import ratelimit_ip
from remediation.services.access import access_changed
from remediation.services.audit import record_event

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


@dataclass
class LoginRefused(Exception):
    """A sign-in that did not succeed; `retry_after` is set when it was rate-limited."""

    message: str
    retry_after: int | None = None


def _usage(request: HttpRequest, key: str, value: str) -> dict[str, int] | None:
    try:
        usage: dict[str, int] | None = get_usage(
            request,
            group=f"login-{key}",
            key=lambda _group, _request: value,
            rate=settings.LOGIN_RATE_LIMIT,
            increment=True,
        )
    except Exception as exc:  # the shared cache (Redis) is down: sign-in must keep working, and keep limiting
        return _LOCAL.usage(f"login-{key}:{value}", settings.LOGIN_RATE_LIMIT, exc)
    return usage


class LocalLimiter:
    """A fixed-window counter in this process: the login limit while the shared cache is unreachable.

    Each web process counts on its own, so an attacker spread over N processes gets N times the limit, which is
    still a limit; logged (at most once a minute) and counted in remediation_rate_limit_fallbacks_total.
    """

    MAX_KEYS = 100_000  # a bound against key floods, not an eviction policy

    def __init__(self, limiter: str) -> None:
        self.limiter = limiter
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._logged_at = 0.0

    def usage(self, key: str, rate: str, cause: BaseException) -> dict[str, int]:
        allowed, period = parse_login_rate(rate)
        now = time.time()
        slot = int(now // period)
        with self._lock:
            if len(self._counts) > self.MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if k[1] == slot}
            count = self._counts[(key, slot)] = self._counts.get((key, slot), 0) + 1
            log = now - self._logged_at >= 60
            self._logged_at = now if log else self._logged_at
        metrics.RATE_LIMIT_FALLBACKS.labels(limiter=self.limiter).inc()
        if log:
            logger.warning(
                "%s rate limit: shared cache unreachable (%s); counting in this process instead",
                self.limiter,
                type(cause).__name__,
            )
        return {
            "count": count,
            "limit": allowed,
            "should_limit": count > allowed,
            "time_left": int((slot + 1) * period - now) + 1,
        }


def parse_login_rate(rate: str) -> tuple[int, int]:
    """django-ratelimit's rate syntax: '10/5m' → (10, 300); units s, m, h, d."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*", rate)
    if match is None:
        raise ValueError(f"Invalid rate {rate!r}; use e.g. 10/5m.")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[3]]
    return int(match[1]), int(match[2] or 1) * unit


_LOCAL = LocalLimiter("login")


def _rate_limited(request: HttpRequest, username: str) -> int | None:
    """Count this attempt; return seconds to wait when either the IP or the username is over its limit."""
    waits = []
    for key, value in (("ip", ratelimit_ip(request)), ("user", username.strip().lower())):
        usage = _usage(request, key, value)
        if usage and usage["should_limit"]:
            waits.append(max(int(usage["time_left"]), 1))
    return max(waits) if waits else None


def _login_failed(username: str, *, channel: str, result: str, reason: str) -> None:
    """Count a refused sign-in and audit it as user.login_failed (the name as typed, cut to 150 characters)."""
    metrics.LOGINS.labels(channel=channel, result=result).inc()
    record_event(
        actor=Actor.system(),
        action="user.login_failed",
        object_type="auth.user",
        object_repr=username[:150],
        after={"channel": channel, "username": username[:150]},
        reason=reason,
    )


def log_in(request: HttpRequest, *, username: str, password: str, channel: str) -> User:
    """Check credentials (after the rate limit) and audit the outcome; raises LoginRefused."""
    wait = _rate_limited(request, username)
    if wait is not None:
        _login_failed(username, channel=channel, result="rate_limited", reason="rate limited")
        raise LoginRefused(f"Too many login attempts. Try again in {wait} seconds.", retry_after=wait)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        _login_failed(username, channel=channel, result="failed", reason="invalid credentials")
        raise LoginRefused("Invalid username or password.")
    metrics.LOGINS.labels(channel=channel, result="success").inc()
    record_event(actor=Actor.of(user), action="user.logged_in", obj=user, after={"channel": channel})
    return user


def log_out(request: HttpRequest) -> None:
    """End the login session, audit it, and tell the user's live connections (their terminals close)."""
    user = request.user
    # The session is gone before the connections are told, so their re-check sees it gone.
    logout(request)
    if user.is_authenticated:
        record_event(actor=Actor.of(user), action="user.logged_out", obj=user)
        access_changed([user.pk], cause="logged_out")
