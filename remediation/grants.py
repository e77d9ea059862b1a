"""Who may act on which server: the role permission plus a grant (by server or by tag). The one place it is decided.

A grant (`TerminalGrant`, by server or by tag) says a user may work on a server; the role says what kind of work:
`remediation.open_terminal` opens shells there, `remediation.execute_runbook` runs runbooks there,
`remediation.approve_execution` approves runs there. Holders of `terminal.open_any_terminal` (terminals) or
`remediation.run_on_any_server` (runs and approvals) need no grant; the Admin role and superusers hold both.
Every edge (API, portal, admin, chat, schedules, approvals, sockets) asks these functions, never the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Q
from django.utils import timezone

from remediation.models import Server, TerminalGrant
from remediation.permissions import (
    APPROVE_EXECUTION,
    EXECUTE_RUNBOOK,
    OPEN_ANY_TERMINAL,
    OPEN_TERMINAL,
    RUN_ON_ANY_SERVER,
)

OPEN_PERM = OPEN_TERMINAL
ANY_SERVER_PERM = OPEN_ANY_TERMINAL
RUN_PERM = EXECUTE_RUNBOOK
APPROVE_PERM = APPROVE_EXECUTION
RUN_ANY_PERM = RUN_ON_ANY_SERVER

User = AuthUser | AnonymousUser
K = TypeVar("K")


def _live(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _active() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def has_grant(user: Any, server: Server) -> bool:
    """An unexpired grant for this server or for one of its tags."""
    scope = Q(server=server) | Q(server__isnull=True, tag__in=list(server.tags or []))
    return TerminalGrant.objects.filter(scope & _active(), user_id=user.pk).exists()


def granted_ids(user: Any, servers: Iterable[Server]) -> set[int]:
    """Which of `servers` the user holds an unexpired grant for (one query)."""
    grants = list(TerminalGrant.objects.filter(_active(), user_id=user.pk).values_list("server_id", "tag"))
    server_ids, tags = {sid for sid, _t in grants if sid}, {t for _s, t in grants if t}
    return {s.pk for s in servers if s.pk in server_ids or tags & set(s.tags or [])}


def can_open_terminal(user: User, server: Server) -> bool:
    """The role permission, and a grant unless the user may open any server (admins)."""
    if not (_live(user) and user.has_perm(OPEN_PERM)):
        return False
    return user.has_perm(ANY_SERVER_PERM) or has_grant(user, server)


def openable_server_ids(user: User, servers: list[Server]) -> set[int]:
    """Which enabled `servers` the user may open a terminal on (for links on list pages; one grant query)."""
    if not (_live(user) and user.has_perm(OPEN_PERM)):
        return set()
    enabled = [s for s in servers if s.enabled]
    if user.has_perm(ANY_SERVER_PERM):
        return {s.pk for s in enabled}
    return granted_ids(user, enabled)


def can_run_on(user: Any, server: Server, *, perm: str = RUN_PERM) -> bool:
    """May `user` run runbooks on `server` (perm=APPROVE_PERM: approve runs there): role permission + grant."""
    if not (_live(user) and user.has_perm(perm)):
        return False
    return user.has_perm(RUN_ANY_PERM) or has_grant(user, server)


def runnable_ids(user: Any, servers: Iterable[Server], *, perm: str = RUN_PERM) -> set[int]:
    """Which of `servers` `user` may run runbooks on (or approve runs on) — `can_run_on` for many, one query."""
    servers = list(servers)
    if not (_live(user) and user.has_perm(perm)):
        return set()
    if user.has_perm(RUN_ANY_PERM):
        return {s.pk for s in servers}
    return granted_ids(user, servers)


def refused_servers(user: Any, target_ids: Iterable[Any], *, perm: str = RUN_PERM) -> list[str]:
    """Names (or ids) of the targets `user` may not run on; unknown ids are left to the plan to report."""
    return refused_servers_of(user, {0: target_ids}, perm=perm)[0]


def refused_servers_of(
    user: Any, target_lists: Mapping[K, Iterable[Any]], *, perm: str = RUN_PERM
) -> dict[K, list[str]]:
    """`refused_servers` for many target lists at once (a queue of requests): one server query and one grant query
    whatever their number. Each list's refused names come sorted; lists without a known server need no query."""
    lists = {
        key: {t for t in ids if isinstance(t, int) and not isinstance(t, bool)} for key, ids in target_lists.items()
    }
    wanted = set().union(*lists.values())
    servers = {s.pk: s for s in Server.objects.filter(pk__in=wanted)} if wanted else {}
    allowed = runnable_ids(user, servers.values(), perm=perm) if servers else set()
    return {
        key: sorted(servers[i].name for i in ids if i in servers and i not in allowed) for key, ids in lists.items()
    }
