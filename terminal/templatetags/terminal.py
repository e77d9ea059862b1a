"""Template helpers for linking to the terminal from other pages (server list, alert detail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from remediation import grants
from remediation.services.targeting import server_for_instance

register = template.Library()


@register.simple_tag
def terminal_server_ids(user: Any, servers: Iterable[Any]) -> set[int]:
    """Ids of the given servers on which `user` may open a terminal (one query for the whole page)."""
    return grants.openable_server_ids(user, list(servers))


@register.simple_tag
def terminal_servers_for_alert(user: Any, alert: Any) -> list[Any]:
    """The server an alert names (as the remediate hand-off resolves it), if `user` may open a terminal there."""
    server, _ = server_for_instance(str((alert.labels or {}).get("instance", "")))
    return [server] if server is not None and grants.openable_server_ids(user, [server]) else []
