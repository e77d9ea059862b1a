"""Every HTTP route of the product, read from Django's URL resolver (for the permission matrix and the CSP test)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Routes that are not pages: POST-only actions, downloads and sign-out.
PORTAL_NON_PAGES = {
    "logout",
    "audit-export",
    "dashboard-json",
    "alerts:acknowledge",
    "alerts:acknowledge-many",
    "alerts:suggestion-run",
    "runbooks:execute",
    "runbooks:cancel",
    "runbooks:decide",
    "runbooks:schedule_toggle",
    "ai:alert-analyze",
    "ai:chat-new",
    "ai:investigation-start",
    "ai:investigation-stop",
    "ai:command-decide",
    "terminal:recording",
}
MACHINE_PREFIXES = ("api/", "hooks/", "healthz", "readyz", "metrics")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route text, qualified name (namespace:name) and view."""

    route: str
    name: str
    callback: Any

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_portal(self) -> bool:
        return not self.is_admin and not self.route.startswith(MACHINE_PREFIXES)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else ""
            yield Route(prefix + str(pattern.pattern), name, pattern.callback)


def all_routes() -> list[Route]:
    """Every route Django serves, the admin's included."""
    return list(_walk(get_resolver().url_patterns))


def portal_pages() -> list[str]:
    """URL names of every portal page a browser opens (GET, HTML)."""
    return [r.name for r in all_routes() if r.is_portal and r.name not in PORTAL_NON_PAGES]
