"""Client address of a request or a WebSocket, proxy-aware only when configured."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: the request of a view behind @login_required, whose user is never anonymous."""

    user: User


def origin_of(url: str) -> str:
    """`scheme://host:port` of a URL (default port filled in, host lower-cased); '' when it is not http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in {"http", "https"} or not host or not port:
        return ""
    return f"{parts.scheme.lower()}://{f'[{host}]' if ':' in host else host}:{port}"


def forwarded_client(peer: str, forwarded: str) -> str:
    """The caller's IP: the socket peer, or the address a trusted proxy chain reports (TRUSTED_PROXY_COUNT)."""
    hops = int(settings.TRUSTED_PROXY_COUNT)
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        # Each trusted proxy appends the address it saw; the client is `hops` entries from the right.
        if len(chain) >= hops and _is_ip(chain[-hops]):
            return chain[-hops]
    return peer


def _is_ip(value: str) -> bool:
    # Anything else would fail the inet columns (audit, terminal sessions) on PostgreSQL.
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The caller's IP of an HTTP request."""
    return forwarded_client(
        str(request.META.get("REMOTE_ADDR", "") or ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def scope_client_ip(scope: Mapping[str, Any]) -> str:
    """The caller's IP of an ASGI (WebSocket) scope, derived exactly as for HTTP requests."""
    peer = scope.get("client") or ("", 0)
    # Repeated headers count as one comma-separated list, as Django does for HTTP.
    values = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name.lower() == b"x-forwarded-for"]
    return forwarded_client(str(peer[0] or ""), ",".join(values))


def ratelimit_ip(request: HttpRequest) -> str:
    """django-ratelimit's IP key (RATELIMIT_IP_META_KEY)."""
    return client_ip(request) or "unknown"
