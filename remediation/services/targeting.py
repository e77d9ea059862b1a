"""Which server an alert names: its `instance` label, port stripped, as a server name, hostname or alias."""

from __future__ import annotations

from django.db.models import Q

from remediation.models import Server


def strip_port(instance: str) -> str:
    """`host:9100` → `host`, `[::1]:9100` → `::1`; a bare IPv6 address is kept whole."""
    value = instance.strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def server_for_instance(instance: str) -> tuple[Server | None, str]:
    """The one enabled server whose name, hostname or alias is the instance's host; else None and why."""
    host = strip_port(instance)
    if not host:
        return None, "the alert has no instance label"
    found = {s.pk: s for s in Server.objects.filter(Q(name__iexact=host) | Q(hostname__iexact=host))}
    wanted = host.lower()
    for aliased in Server.objects.exclude(aliases=[]).only("id", "aliases", "enabled"):
        if any(str(alias).lower() == wanted for alias in aliased.aliases or []):
            found.setdefault(aliased.pk, aliased)
    if len(found) > 1:
        return None, f"instance {host!r} matches {len(found)} servers ({sorted(found)}); refusing to guess"
    server = next(iter(found.values()), None)
    if server is None:
        return None, f"no server named {host!r} (name, hostname or alias)"
    if not server.enabled:
        return None, f"server {host!r} is disabled"
    return server, ""
