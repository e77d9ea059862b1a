"""What the engine tells people: builds notification events for runs, approvals, breakers, verification, kill switch.

Each function is called by the service where the thing happens and hands one `Event` to the kernel's `notify`,
which stores the deliveries and queues their sending after commit (nothing is sent from here).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from remediation.choices import BreakerState, NotificationEvent
from remediation.notifications import Event, notify, signed_link
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution, KillSwitch
from runbooks.services import guardrails

FAILED = (ExecutionStatus.FAILED, ExecutionStatus.ERROR)


def episode_key(execution: Execution) -> str:
    """Quiet repeats count per alert episode; a run without one is its own episode."""
    if execution.alert_episode_id is not None:
        return f"episode:{execution.alert_episode_id}"
    return f"execution:{execution.pk}"


def _event(kind: str, execution: Execution, summary: str, *, link: str = "", **details: Any) -> Event:
    return Event(
        kind=kind,
        summary=summary,
        dedup_key=episode_key(execution),
        runbook_id=execution.runbook_id,
        rule_id=execution.rule_id,
        link=link,
        details={
            "execution_id": execution.pk,
            "runbook": execution.runbook.name,
            "status": execution.status,
            "trigger": execution.trigger,
            "alert_episode_id": execution.alert_episode_id,
            **details,
        },
    )


def approval_requested(execution: Execution) -> None:
    """An execution waits for an approver: the message links (signed, expiring) to its approval card."""
    card = f"{reverse('runbooks:approvals')}#approval-{execution.pk}"
    expires = execution.approval_expires_at
    summary = f"execution #{execution.pk} of runbook {execution.runbook.name!r} waits for approval"
    notify(
        _event(
            NotificationEvent.APPROVAL_REQUESTED,
            execution,
            summary,
            link=signed_link(card),
            requested_by=execution.requested_by.get_username() if execution.requested_by else "system",
            approval_expires_at=expires.isoformat() if expires else None,
        )
    )


def breaker_before(execution: Execution) -> str | None:
    """The breaker state of the run's rule just before it finishes (None for runs no rule started)."""
    if execution.rule_id is None or execution.dry_run:
        return None
    return guardrails.breaker_state(execution.rule, now=timezone.now()).state


def execution_finished(execution: Execution, *, breaker: str | None) -> None:
    """A finished run: failed, succeeded only after retries, and whether it opened or closed its rule's breaker."""
    if execution.dry_run:
        return
    reason = execution.status_reason
    if execution.status in FAILED:
        notify(
            _event(
                NotificationEvent.EXECUTION_FAILED, execution, f"execution #{execution.pk} {execution.status}: {reason}"
            )
        )
    elif execution.status == ExecutionStatus.SUCCEEDED:
        retried = execution.step_runs.filter(attempt__gt=1).count()
        if retried:
            summary = (
                f"execution #{execution.pk} of {execution.runbook.name!r} succeeded after {retried} retried attempt(s)"
            )
            notify(_event(NotificationEvent.EXECUTION_RECOVERED, execution, summary, retried_attempts=retried))
    if breaker is not None:
        _breaker_moved(execution, breaker)


def _breaker_moved(execution: Execution, before: str) -> None:
    rule = execution.rule
    if rule is None:
        return
    after = guardrails.breaker_state(rule, now=execution.finished_at or execution.created_at)
    if after.state == BreakerState.OPEN and before != BreakerState.OPEN:
        kind, summary = (
            NotificationEvent.BREAKER_OPENED,
            f"circuit breaker of rule {rule.name!r} opened after {after.failures} failure(s)",
        )
    elif after.state == BreakerState.CLOSED and before != BreakerState.CLOSED:
        kind, summary = (
            NotificationEvent.BREAKER_CLOSED,
            f"circuit breaker of rule {rule.name!r} closed: execution #{execution.pk} succeeded",
        )
    else:
        return
    notify(breaker_event(kind, rule, summary, execution_id=execution.pk, runbook_id=execution.runbook_id))


def breaker_event(kind: str, rule: Any, summary: str, **details: Any) -> Event:
    """A breaker opened or closed (also used by the admin reset in the alerts app)."""
    runbook_id = details.pop("runbook_id", None) or getattr(rule, "runbook_id", None)
    return Event(
        kind=kind,
        summary=summary,
        dedup_key=f"breaker:rule:{rule.pk}",
        rule_id=rule.pk,
        runbook_id=runbook_id,
        details={"rule": rule.name, **details},
    )


def verification_failed(execution: Execution, *, still_firing: bool) -> None:
    """A successful run whose alert did not resolve within the runbook's verification window."""
    window = execution.runbook.verification_window_seconds
    after = "was still firing" if still_firing else "resolved only"
    summary = f"execution #{execution.pk} succeeded but its alert {after} {window}s later"
    event = _event(
        NotificationEvent.VERIFICATION_FAILED,
        execution,
        summary,
        verification_window_seconds=window,
        still_firing=still_firing,
    )
    notify(event)


def kill_switch_changed(switch: KillSwitch, *, by: str) -> None:
    """The global kill switch was engaged or released (always sent to the default channels)."""
    kind = NotificationEvent.KILL_SWITCH_ENGAGED if switch.engaged else NotificationEvent.KILL_SWITCH_RELEASED
    state = "engaged" if switch.engaged else "released"
    notify(
        Event(
            kind=kind,
            summary=f"kill switch {state} by {by}: {switch.reason}",
            dedup_key=f"kill_switch:{state}:{switch.changed_at.isoformat() if switch.changed_at else ''}",
            details={"engaged": switch.engaged, "reason": switch.reason, "by": by},
        )
    )
