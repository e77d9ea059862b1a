"""Template helpers for linking to the terminal from other pages (server list, alert detail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from remediation import grants
from terminal import services

register = template.Library()


@register.simple_tag
def terminal_server_ids(user: Any, servers: Iterable[Any]) -> set[int]:
    """Ids of the given servers on which `user` may open a terminal (one query for the whole page)."""
    return grants.openable_server_ids(user, list(servers))


@register.simple_tag
def terminal_servers_for_alert(user: Any, alert: Any) -> list[Any]:
    """The servers an alert names (its `instance` label) on which `user` may open a terminal."""
    servers = services.alert_servers(alert.labels or {})
    allowed = grants.openable_server_ids(user, servers)
    return [s for s in servers if s.pk in allowed]
