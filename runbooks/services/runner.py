"""The runner: claim an execution, run its pinned version step by step, record every attempt, finish it.

Claiming, the approved-plan check and finishing live here; the step loop and target fan-out (`Runner`) live in
`step_loop`, which this module re-exports.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from django.conf import settings
from django.utils import timezone

from remediation.actors import Actor
from remediation.services.audit import record_event
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services import live, notices, verification
from runbooks.services.plan import plan_version
from runbooks.services.step_loop import Runner

__all__ = ["Runner", "finish", "run_execution", "stale_plan", "worker_id"]
logger = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_execution(execution_id: int) -> str:
    """Run one execution if this delivery claims it; returns the final status (or why nothing ran)."""
    owner = worker_id()
    if not Execution.objects.claim(execution_id, owner, settings.RUNBOOK_LEASE_SECONDS):
        return "not claimed"
    execution = Execution.objects.select_related("version", "runbook").get(pk=execution_id)
    record_event(actor=Actor.system(), action="execution.started", obj=execution, after={"worker": owner})
    live.broadcast(execution.pk, {"type": "status", "execution": live.execution_state(execution)})
    changed = stale_plan(execution)
    if changed:
        return finish(execution, owner, ExecutionStatus.FAILED, changed, {})
    runner = Runner(execution, owner)
    try:
        status, reason = runner.run()
    except Exception as exc:
        logger.exception("execution %s: engine error", execution_id)
        runner.stop("error")
        status, reason = ExecutionStatus.ERROR, f"engine error: {type(exc).__name__}: {exc}"
    finally:
        runner.pool.shutdown(wait=True, cancel_futures=True)
    return finish(execution, owner, status, reason, runner.stored_variables())


def finish(execution: Execution, owner: str, status: str, reason: str, captured: dict[str, Any]) -> str:
    """Record the final status, unless the reaper already took the execution away from this worker."""
    breaker = notices.breaker_before(execution)
    moved = Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.RUNNING, lease_owner=owner).update(
        status=status, status_reason=reason, finished_at=timezone.now(), lease_expires_at=None, variables=captured
    )
    if not moved:
        logger.warning("execution %s was no longer ours to finish (reaped?)", execution.pk)
        return "lost lease"
    execution.refresh_from_db()
    record_event(
        actor=Actor.system(), action="execution.finished", obj=execution, after={"status": status}, reason=reason
    )
    live.broadcast(execution.pk, {"type": "status", "execution": live.execution_state(execution)})
    notices.execution_finished(execution, breaker=breaker)
    if execution.alert_episode_id is not None:
        verification.verify_finished(execution.pk)
    return status


def stale_plan(execution: Execution) -> str:
    """For an approved run: why the plan rendered now differs from the approved one ('' when identical)."""
    if execution.approved_at is None or execution.dry_run:
        return ""
    now = plan_version(
        execution.version, params=execution.params, target_ids=execution.target_ids, alert=execution.alert
    )
    if now.rendered_commands() == execution.planned.rendered_commands():
        return ""
    return "the plan changed after it was approved (a command or target differs); nothing was run: request it again"
