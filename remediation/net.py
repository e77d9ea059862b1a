"""Request helpers: the client address (proxy-aware only when configured) and the signed-in request type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: the request of a view behind @login_required, whose user is never anonymous."""

    user: User


def client_ip(request: HttpRequest) -> str:
    """The caller's IP: the socket peer, or the address a trusted proxy chain reports."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        # Each trusted proxy appends the address it saw; the client is `hops` entries from the right.
        if len(chain) >= hops:
            return chain[-hops]
    return str(request.META.get("REMOTE_ADDR", "") or "")


def ratelimit_ip(request: HttpRequest) -> str:
    """django-ratelimit's IP key (RATELIMIT_IP_META_KEY)."""
    return client_ip(request) or "unknown"
