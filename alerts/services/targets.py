"""Which servers a remediate rule targets (the alert's `instance`, fixed servers, or a tag) and its scope checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.services.webhook_tokens import source_allows_server
from remediation.choices import TargetSource
from remediation.models import Server
from remediation.services.targeting import server_for_instance


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
