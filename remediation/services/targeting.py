"""Which servers a remediate rule targets: the alert's `instance` (port stripped), fixed servers, or a tag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from remediation.choices import TargetSource
from remediation.models import Server
from remediation.services.webhook_tokens import source_allows_server


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


def resolve_servers(rule: Any, labels: Mapping[str, str]) -> tuple[list[Server], str]:
    """The rule's target servers for an alert, and why there are none when empty."""
    if rule.target_source == TargetSource.SERVERS:
        servers = list(rule.target_servers.filter(enabled=True).order_by("id"))
        return servers, "" if servers else "the rule's fixed servers are all disabled or gone"
    if rule.target_source == TargetSource.TAG:
        servers = [s for s in Server.objects.filter(enabled=True).order_by("id") if rule.target_tag in (s.tags or [])]
        return servers, "" if servers else f"no enabled server is tagged {rule.target_tag!r}"
    server, problem = server_for_instance(str(labels.get("instance", "")))
    return ([server] if server else []), problem


def rule_allows_server(rule: Any, server: Server) -> str:
    """Why the rule's scope refuses `server` ('' when allowed). Only servers an alert names are bounded by it:
    fixed servers and tag targets are the rule's own choice."""
    if rule.target_source != TargetSource.INSTANCE or rule.scope_all_servers:
        return ""
    if set(rule.scope_tags or []) & set(server.tags or []) or rule.scope_servers.filter(pk=server.pk).exists():
        return ""
    return f"rule {rule.name!r} may not run on server {server.name!r} (outside its scope)"


def scope_refusals(rule: Any, source: str, servers: list[Server]) -> list[str]:
    """Every reason the rule's scope or the alert source's scope refuses one of `servers` (empty: all allowed)."""
    reasons = [rule_allows_server(rule, s) or source_allows_server(source, s) for s in servers]
    return [reason for reason in reasons if reason]
