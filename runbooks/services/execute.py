"""Requesting and cancelling executions, and reaping executions whose worker died."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_q.tasks import async_task

from remediation.choices import SYSTEM_ACTOR
from remediation.services.audit import Actor, record_event
from runbooks.choices import ExecutionStatus, Trigger
from runbooks.models import Execution, Runbook
from runbooks.services import live
from runbooks.services.plan import latest_version, plan_definition

RUN_TASK = "runbooks.tasks.run_execution"


class ExecutionRefused(Exception):
    """The request cannot become an execution (disabled runbook, blocking plan problems, finished execution)."""

    def __init__(self, message: str, plan: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.plan = plan


def enqueue(execution_id: int) -> None:
    """Hand the execution to a worker after the surrounding transaction commits (the message is only the id)."""
    transaction.on_commit(lambda: async_task(RUN_TASK, execution_id))


@transaction.atomic
def request_execution(
    runbook: Runbook,
    *,
    actor: Actor,
    params: dict[str, Any] | None = None,
    target_ids: list[Any] | None = None,
    dry_run: bool = False,
    trigger: str = Trigger.MANUAL,
    alert: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Execution:
    """Plan, pin the current version and queue (or hold for approval); a blocked plan refuses a real run."""
    if not runbook.enabled and not dry_run:
        raise ExecutionRefused(f"runbook {runbook.name!r} is disabled")
    version = latest_version(runbook)
    params, target_ids = params or {}, list(target_ids or [])
    plan = plan_definition(version.definition, params=params, target_ids=target_ids, alert=alert)
    if not plan["ok"] and not dry_run:
        record_event(
            actor=actor, action="execution.refused", obj=runbook, after={"problems": plan["problems"]}, request=request
        )
        raise ExecutionRefused("the plan has problems; nothing was run", plan)
    held = runbook.requires_approval and not dry_run
    execution = Execution.objects.create(
        runbook=runbook,
        version=version,
        status=ExecutionStatus.AWAITING_APPROVAL if held else ExecutionStatus.PENDING,
        trigger=trigger,
        requested_by=actor if hasattr(actor, "pk") else None,  # type: ignore[misc]
        params=params,
        target_ids=target_ids,
        alert=alert or {},
        dry_run=dry_run,
        plan=plan,
    )
    record_event(
        actor=actor,
        action="execution.requested",
        obj=execution,
        after={"runbook": runbook.name, "version": version.number, "trigger": trigger, "dry_run": dry_run,
               "targets": target_ids, "params": params},
        request=request,
    )  # fmt: skip
    if not held:
        enqueue(execution.pk)
    return execution


@transaction.atomic
def cancel_execution(execution: Execution, *, actor: Actor, request: HttpRequest | None = None) -> Execution:
    """Cancel a queued execution at once, or flag a running one (its runner stops within seconds)."""
    user = actor if hasattr(actor, "pk") else None
    waiting = [ExecutionStatus.PENDING, ExecutionStatus.AWAITING_APPROVAL]
    if Execution.objects.transition(
        execution.pk, waiting, ExecutionStatus.CANCELLED, cancel_requested=True, cancelled_by=user,
        status_reason="cancelled before it started",
    ):  # fmt: skip
        pass
    elif not Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.RUNNING).update(
        cancel_requested=True, cancelled_by=user
    ):
        raise ExecutionRefused(f"execution #{execution.pk} has already finished")
    execution.refresh_from_db()
    record_event(actor=actor, action="execution.cancelled", obj=execution, after={"status": execution.status},
                 request=request)  # fmt: skip
    state = live.execution_state(execution)
    transaction.on_commit(lambda: live.broadcast(execution.pk, {"type": "status", "execution": state}))
    return execution


def reap_expired_leases() -> int:
    """Mark running executions whose worker stopped renewing its lease as `error` (never left running)."""
    reaped = 0
    for execution in Execution.objects.expired_leases():
        reason = (
            f"the worker {execution.lease_owner or '?'} stopped renewing its lease "
            f"(last heartbeat {execution.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); it probably died mid-run"
        )
        moved = Execution.objects.filter(
            pk=execution.pk, status=ExecutionStatus.RUNNING, lease_expires_at__lt=timezone.now()
        ).update(status=ExecutionStatus.ERROR, status_reason=reason, finished_at=timezone.now())
        if not moved:
            continue
        execution.refresh_from_db()
        record_event(actor=SYSTEM_ACTOR, action="execution.reaped", obj=execution, reason=reason)
        live.broadcast(execution.pk, {"type": "status", "execution": live.execution_state(execution)})
        reaped += 1
    return reaped
