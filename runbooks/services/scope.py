"""Execution scope of a person: every target of a plan, run or approval must be one they hold a grant for."""

from __future__ import annotations

from typing import Any

from remediation.actors import Actor, ActorKind
from remediation.grants import RUN_PERM, refused_servers
from remediation.permissions import VIEW_RUNBOOK

PLAN_PERM = VIEW_RUNBOOK


class OutOfScope(Exception):
    """The person may not act on some of the targets (no grant for them); edges answer 403."""


def check_scope(actor: Actor, target_ids: list[Any], *, perm: str = RUN_PERM, who: str = "you") -> None:
    """Raise OutOfScope unless `actor` may act on every target (`remediation.grants.can_run_on` with `perm`).

    The system actor is not a person and passes: alert-triggered runs are bounded by their rule's and source's
    scope instead (alerts.services.remediate), scheduled runs by their owner's (runbooks.services.schedule_runs).
    Anonymous holds no grant and may act on nothing.
    """
    if actor.kind is ActorKind.SYSTEM:
        return
    refused = refused_servers(actor.user, target_ids, perm=perm)
    if refused:
        what = {RUN_PERM: "run runbooks", PLAN_PERM: "plan runbooks"}.get(perm, "approve runs")
        raise OutOfScope(f"{who} may not {what} on {', '.join(map(repr, refused))} (no grant for it)")
