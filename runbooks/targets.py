"""Targets of an execution: references to remediation.Server rows, read through this one small interface."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from remediation.grants import RUN_PERM, runnable_ids


@dataclass(frozen=True)
class Target:
    """What the engine needs to know about a server (never its secrets)."""

    id: int
    name: str
    address: str
    port: int = 22
    username: str = ""
    host_key_pinned: bool = False
    enabled: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)

    def context(self) -> dict[str, Any]:
        """The `target.*` template variables."""
        return {
            "id": self.id,
            "name": self.name,
            "address": self.address,
            "port": self.port,
            "username": self.username,
            "tags": list(self.tags),
        }


def server_model() -> Any | None:
    """remediation.Server, or None while the servers feature is not installed."""
    try:
        return apps.get_model("remediation", "Server")
    except LookupError:
        return None


def to_target(server: Any) -> Target:
    return Target(
        id=server.pk,
        name=str(getattr(server, "name", server.pk)),
        address=str(getattr(server, "address", "") or getattr(server, "hostname", "")),
        port=int(getattr(server, "port", 22) or 22),
        username=str(getattr(server, "username", "") or ""),
        host_key_pinned=bool(getattr(server, "host_key", "") or getattr(server, "pinned_host_key", "")),
        enabled=bool(getattr(server, "enabled", True)),
        tags=tuple(getattr(server, "tags", None) or ()),
    )


def resolve_targets(ids: Iterable[Any]) -> tuple[list[Target], list[str]]:
    """Targets in the requested order, and the problems (unknown or disabled servers)."""
    wanted = list(ids)
    model = server_model()
    problems: list[str] = []
    found: dict[int, Any] = {}
    numeric = [i for i in wanted if isinstance(i, int) and not isinstance(i, bool)]
    if model is not None and numeric:
        found = {s.pk: s for s in model.objects.filter(pk__in=numeric)}
    targets: list[Target] = []
    for ident in wanted:
        server = found.get(ident) if isinstance(ident, int) else None
        if server is None:
            problems.append(f"unknown target {ident!r}")
            continue
        target = to_target(server)
        if not target.enabled:
            problems.append(f"target {target.name!r} is disabled")
        targets.append(target)
    return targets, problems


def registered_addresses() -> set[str]:
    """Addresses of all registered servers (HTTP steps may call them)."""
    model = server_model()
    if model is None:
        return set()
    return {to_target(s).address.lower() for s in model.objects.all()}


def target_names(ids: Iterable[Any]) -> list[str]:
    """Server names for stored target ids, in order; a server deleted since shows as `#<id> (deleted)`."""
    wanted = list(ids)
    model = server_model()
    numeric = [i for i in wanted if isinstance(i, int) and not isinstance(i, bool)]
    names = dict(model.objects.filter(pk__in=numeric).values_list("pk", "name")) if model and numeric else {}
    return [str(names[i]) if i in names else f"#{i} (deleted)" for i in wanted]


def ids_for_names(names: Iterable[str]) -> list[int | str]:
    """Server ids for names typed or chosen in a form, in order; a name no server has stays as text (and the plan
    reports it as an unknown target)."""
    wanted = [n.strip() for n in names if n and n.strip()]
    model = server_model()
    found = dict(model.objects.filter(name__in=wanted).values_list("name", "pk")) if model and wanted else {}
    return [int(found[n]) if n in found else n for n in wanted]


def target_choices(user: Any, *, perm: str = RUN_PERM) -> list[tuple[str, str]]:
    """(name, hostname) of every enabled server `user` may act on with `perm`, by name: the options of a run form's
    target picker. Who may act where is `remediation.grants.runnable_ids` (the role permission plus a grant by server
    or tag; `run_on_any_server` needs none), the same decision the plan, run and approval services check."""
    model = server_model()
    if model is None:
        return []
    servers = list(model.objects.filter(enabled=True).order_by("name"))
    allowed = runnable_ids(user, servers, perm=perm)
    return [(str(s.name), str(s.hostname)) for s in servers if s.pk in allowed]
