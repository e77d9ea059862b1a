"""Execution scope of a person: every target of a plan, run or approval must be one they hold a grant for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from remediation.actors import Actor, ActorKind
from remediation.grants import RUN_PERM, refused_servers_of
from remediation.permissions import VIEW_RUNBOOK

PLAN_PERM = VIEW_RUNBOOK
K = TypeVar("K")


class OutOfScope(Exception):
    """The person may not act on some of the targets (no grant for them); edges answer 403."""


def check_scope(actor: Actor, target_ids: list[Any], *, perm: str = RUN_PERM, who: str = "you") -> None:
    """Raise OutOfScope unless `actor` may act on every target (`remediation.grants.can_run_on` with `perm`).

    The system actor is not a person and passes: alert-triggered runs are bounded by their rule's and source's
    scope instead (alerts.services.remediate), scheduled runs by their owner's (runbooks.services.schedule_runs).
    Anonymous holds no grant and may act on nothing.
    """
    refusal = scope_refusals(actor, {0: target_ids}, perm=perm, who=who).get(0)
    if refusal:
        raise OutOfScope(refusal)


def scope_refusals(
    actor: Actor, target_lists: Mapping[K, Sequence[Any]], *, perm: str = RUN_PERM, who: str = "you"
) -> dict[K, str]:
    """`check_scope` for many target lists at once (a queue of requests, in a fixed number of queries): the refusal
    of each list `actor` may not act on every target of; lists they may act on are absent."""
    if actor.kind is ActorKind.SYSTEM:
        return {}
    what = {RUN_PERM: "run runbooks", PLAN_PERM: "plan runbooks"}.get(perm, "approve runs")
    refused = refused_servers_of(actor.user, target_lists, perm=perm)
    return {
        key: f"{who} may not {what} on {', '.join(map(repr, names))} (no grant for it)"
        for key, names in refused.items()
        if names
    }
