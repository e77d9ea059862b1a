"""Requesting and cancelling executions, and reaping executions whose worker died."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from remediation import metrics
from remediation.actors import Actor, may, user_of
from remediation.jobs import enqueue_after_commit, enqueue_many_now
from remediation.permissions import OVERRIDE_MAINTENANCE
from remediation.services.audit import record_event
from runbooks.choices import ExecutionStatus, Trigger
from runbooks.models import Execution, Runbook, RunbookVersion
from runbooks.services import live, notices
from runbooks.services.guardrails import Suppressor, server_labels
from runbooks.services.plan import latest_version, plan_version
from runbooks.services.scope import OutOfScope, check_scope
from runbooks.specs import Plan

RUN_TASK = "runbooks.tasks.run_execution"
# The most pending executions one sweep sends again (oldest first); the next sweep takes the rest.
REDISPATCH_BATCH = 1000
OVERRIDE_PERMISSION = OVERRIDE_MAINTENANCE


class ExecutionRefused(Exception):
    """The request cannot become an execution (disabled runbook, blocking plan problems, finished execution)."""

    def __init__(self, message: str, plan: Plan | None = None) -> None:
        super().__init__(message)
        self.plan = plan

    @property
    def problems(self) -> list[str]:
        """The plan's problems when a blocked plan was the reason (empty otherwise)."""
        return list(self.plan.problems) if self.plan is not None else []

    def plan_json(self) -> dict[str, Any] | None:
        """The blocked plan as the API returns it (None when the refusal had nothing to do with the plan)."""
        return self.plan.to_json() if self.plan is not None else None


class ExecutionForbidden(ExecutionRefused):
    """The actor may not run on some of the targets: no grant for them (the API answers 403)."""


def enqueue(execution_id: int) -> None:
    """Hand the execution to a worker after the surrounding transaction commits (the message is only the id).

    A broker that refuses the message is logged, not raised: the execution is committed (and may hold its episode's
    one-active-run lock), so `redispatch_pending` sends it again instead of it waiting forever.
    """
    enqueue_after_commit(RUN_TASK, execution_id)


def redispatch_pending() -> int:
    """Queue again executions still `pending` REDISPATCH_AFTER_SECONDS after they were created (housekeeping).

    Their message was refused by the broker or taken by a worker that died before claiming it; a merely slow
    message gets a duplicate, which claims nothing. Returns how many were sent.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.REDISPATCH_AFTER_SECONDS)
    stale = Execution.objects.filter(status=ExecutionStatus.PENDING, created_at__lt=cutoff).order_by("id")
    sent = enqueue_many_now(RUN_TASK, list(stale.values_list("id", flat=True)[:REDISPATCH_BATCH]))
    metrics.REDISPATCHED.labels(kind="execution").inc(sent)
    return sent


@contextmanager
def refusals_audited(runbook: Runbook, *, actor: Actor, **details: Any) -> Iterator[None]:
    """Audit an ExecutionRefused raised inside as `execution.refused`, after the atomic block inside rolled back.

    Written inside that block, the refusal would be rolled back with it. A caller that wraps a request in its own
    atomic block and lets the refusal escape it wraps that block in this too (the inner record is then rolled back
    with the block, the outer one is kept: one event).
    """
    try:
        yield
    except ExecutionRefused as exc:
        problems = exc.problems
        after = {"runbook": runbook.name, **details, **({"problems": problems} if problems else {})}
        record_event(actor=actor, action="execution.refused", obj=runbook, after=after, reason=str(exc))
        raise


@dataclass(frozen=True)
class _Request:
    """One call of request_execution, its inputs normalised (no params: {}, no targets: [], no origin: {})."""

    runbook: Runbook
    actor: Actor
    params: dict[str, Any]
    target_ids: list[Any]
    dry_run: bool
    trigger: str
    alert: dict[str, Any] | None
    origin: dict[str, Any]
    held: bool  # waits for an approval before it is queued
    override_reason: str


def request_execution(
    runbook: Runbook,
    *,
    actor: Actor,
    params: dict[str, Any] | None = None,
    target_ids: list[Any] | None = None,
    dry_run: bool = False,
    trigger: str = Trigger.MANUAL,
    alert: dict[str, Any] | None = None,
    origin: dict[str, Any] | None = None,
    require_approval: bool = False,
    override_reason: str = "",
) -> Execution:
    """Plan, pin the current version and queue (or hold for approval); a blocked plan refuses a real run.

    `origin` = {"alert_episode_id", "rule_id"} for alert-triggered runs (the pipeline's episode mutex applies).
    A refusal (no grant for a target, disabled runbook, kill switch, maintenance window, plan problems) is audited
    durably; a user actor must be allowed on every target (dry runs too: a plan shows the target's details).
    """
    ask = _Request(
        runbook=runbook,
        actor=actor,
        params=params or {},
        target_ids=list(target_ids or []),
        dry_run=dry_run,
        trigger=trigger,
        alert=alert,
        origin=origin or {},
        held=(runbook.requires_approval or require_approval) and not dry_run,
        override_reason=override_reason,
    )
    with refusals_audited(runbook, actor=actor, trigger=trigger, targets=ask.target_ids), transaction.atomic():
        version = _admitted_version(ask)
        plan = plan_version(version, params=ask.params, target_ids=ask.target_ids, alert=alert)
        if not plan.ok and not dry_run:
            raise ExecutionRefused("the plan has problems; nothing was run", plan)
        execution = _create_execution(ask, version, plan)
        _record_requested(ask, execution, version)
        if ask.held:
            notices.approval_requested(execution)
        else:
            enqueue(execution.pk)
    return execution


def _admitted_version(ask: _Request) -> RunbookVersion:
    """The version to pin, once the actor may run on every target and the runbook may run now (else a refusal)."""
    try:
        check_scope(ask.actor, ask.target_ids)
    except OutOfScope as exc:
        raise ExecutionForbidden(str(exc)) from None
    if not ask.runbook.enabled and not ask.dry_run:
        raise ExecutionRefused(f"runbook {ask.runbook.name!r} is disabled")
    version = latest_version(ask.runbook)
    if not ask.dry_run:
        check_guards(
            ask.runbook,
            ask.target_ids,
            actor=ask.actor,
            manual=ask.trigger != Trigger.ALERT,
            override_reason=ask.override_reason,
        )
    return version


def _create_execution(ask: _Request, version: RunbookVersion, plan: Plan) -> Execution:
    """The execution row: pending, or awaiting approval until the runbook's approval timeout."""
    expires = timezone.now() + timedelta(seconds=ask.runbook.approval_timeout_seconds) if ask.held else None
    return Execution.objects.create(
        **ask.origin,
        approval_expires_at=expires,
        runbook=ask.runbook,
        version=version,
        status=ExecutionStatus.AWAITING_APPROVAL if ask.held else ExecutionStatus.PENDING,
        trigger=ask.trigger,
        requested_by=user_of(ask.actor),
        params=ask.params,
        target_ids=ask.target_ids,
        alert=ask.alert or {},
        dry_run=ask.dry_run,
        plan=plan.to_json(),
    )


def _record_requested(ask: _Request, execution: Execution, version: RunbookVersion) -> None:
    """Audit `execution.requested`: what runs, where, with which parameters, and its first status."""
    after = {
        "runbook": ask.runbook.name,
        "version": version.number,
        "trigger": ask.trigger,
        "dry_run": ask.dry_run,
        "targets": ask.target_ids,
        "params": ask.params,
        "status": execution.status,
        **ask.origin,
    }
    record_event(actor=ask.actor, action="execution.requested", obj=execution, after=after)


def check_guards(runbook: Runbook, target_ids: list[Any], *, actor: Actor, manual: bool, override_reason: str) -> None:
    """Real runs obey the kill switch; manual runs also obey maintenance windows unless overridden (audited)."""
    suppressor = Suppressor(timezone.now())
    if suppressor.kill_switch is not None:
        raise ExecutionRefused(f"the kill switch is engaged: {suppressor.kill_switch.reason}")
    if not manual:
        return  # alert-triggered runs were matched against windows by the alert's own labels in the hand-off
    window = suppressor.open_window(server_labels(target_ids))
    if window is None:
        return
    allowed = may(actor, OVERRIDE_PERMISSION)
    if not (allowed and override_reason.strip()):
        why = "needs the override_maintenance permission and a reason" if not allowed else "needs a reason"
        raise ExecutionRefused(f"maintenance window {window.name!r} is open; overriding it {why}")
    record_event(
        actor=actor,
        action="maintenance.overridden",
        obj=window,
        reason=override_reason.strip(),
        after={"runbook": runbook.name, "targets": target_ids},
    )


@transaction.atomic
def cancel_execution(execution: Execution, *, actor: Actor) -> Execution:
    """Cancel a queued execution at once, or flag a running one (its runner stops within seconds)."""
    user = user_of(actor)
    waiting = [ExecutionStatus.PENDING, ExecutionStatus.AWAITING_APPROVAL]
    if Execution.objects.transition(
        execution.pk,
        waiting,
        ExecutionStatus.CANCELLED,
        cancel_requested=True,
        cancelled_by=user,
        status_reason="cancelled before it started",
    ):
        pass
    elif not Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.RUNNING).update(
        cancel_requested=True, cancelled_by=user
    ):
        raise ExecutionRefused(f"execution #{execution.pk} has already finished")
    execution.refresh_from_db()
    record_event(actor=actor, action="execution.cancelled", obj=execution, after={"status": execution.status})
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
        record_event(actor=Actor.system(), action="execution.reaped", obj=execution, reason=reason)
        notices.execution_finished(execution, breaker=None)
        live.broadcast(execution.pk, {"type": "status", "execution": live.execution_state(execution)})
        reaped += 1
    return reaped
