"""Investigation workflows a person starts or decides: start, stop, approve or reject a command (all audited).

The worker loop that talks to the model and runs commands is `ai.services.investigation_loop.advance_investigation`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ai.choices import CommandStatus, EndReason, EntryKind, InvestigationStatus
from ai.models import CommandRequest, Investigation, InvestigationEntry, Provider
from ai.services import investigation_live as live
from ai.services.providers import default_provider
from remediation.actors import Actor, may, user_of
from remediation.grants import APPROVE_PERM, can_run_on
from remediation.jobs import enqueue_after_commit, enqueue_many_now
from remediation.permissions import APPROVE_EXECUTION, EXECUTE_RUNBOOK
from remediation.services.access import require_permission
from remediation.services.audit import record_event
from remediation.services.targeting import server_for_instance

RUN_TASK = "ai.tasks.run_investigation"
BUDGET_FIELDS = ("max_steps", "max_seconds", "max_tokens", "max_cost_usd")


class InvestigationRefused(Exception):
    """The investigation cannot be started, stopped or decided (state, permission, provider or input)."""


def _ceilings() -> dict[str, Any]:
    return {
        "max_steps": int(settings.AI_INVESTIGATION_MAX_STEPS),
        "max_seconds": int(settings.AI_INVESTIGATION_MAX_SECONDS),
        "max_tokens": int(settings.AI_INVESTIGATION_MAX_TOKENS),
        "max_cost_usd": Decimal(str(settings.AI_INVESTIGATION_MAX_COST_USD)),
    }


def clean_budgets(budgets: dict[str, Any] | None) -> dict[str, Any]:
    """Budgets a person asked for: each positive and at most the configured AI_INVESTIGATION_* ceiling."""
    ceilings, chosen, errors = _ceilings(), {}, {}
    for name, value in (budgets or {}).items():
        if name not in BUDGET_FIELDS:
            errors[name] = "Unknown budget."
            continue
        try:
            number = Decimal(str(value)) if name == "max_cost_usd" else int(value)
        except (TypeError, ValueError, InvalidOperation):
            errors[name] = "A number."
            continue
        if number <= 0 or number > ceilings[name]:
            errors[name] = f"Between 0 and {ceilings[name]} (AI_INVESTIGATION_{name[4:].upper()})."
            continue
        chosen[name] = number
    if errors:
        raise ValidationError(errors)
    return {**ceilings, **chosen}


def _pick_provider(provider: Provider | None) -> Provider:
    chosen = provider or default_provider()
    if chosen is None or not chosen.enabled:
        raise InvestigationRefused("No enabled AI provider is configured; ask an admin to set one up.")
    return chosen


def _context_server(alert: Any, server: Any) -> Any:
    """The server the investigation is about: the one given, else the one the alert's `instance` names (if any)."""
    if server is not None or alert is None:
        return server
    found, _why = server_for_instance(str((alert.labels or {}).get("instance", "")))
    return found


@transaction.atomic
def start_investigation(
    *,
    actor: Actor,
    goal: str,
    alert: Any = None,
    server: Any = None,
    provider: Provider | None = None,
    budgets: dict[str, Any] | None = None,
) -> Investigation:
    """A queued investigation of `goal` about an alert or a server; the worker picks it up after commit."""
    require_permission(actor, EXECUTE_RUNBOOK)
    user = user_of(actor)
    if user is None:
        raise PermissionDenied("An investigation is started by a signed-in person (its commands run in their name).")
    if not goal.strip():
        raise ValidationError({"goal": "Say what to find out."})
    if alert is None and server is None:
        raise ValidationError({"non_field_errors": "Name an alert or a server."})
    server = _context_server(alert, server)
    if server is not None and not can_run_on(user, server):
        raise PermissionDenied(f"You may not run commands on {server.name}.")
    chosen = _pick_provider(provider)
    investigation = Investigation.objects.create(
        goal=goal.strip()[:4000],
        alert=alert,
        server=server,
        provider=chosen,
        provider_name=chosen.name,
        model=chosen.model,
        requested_by=user,
        queued_at=timezone.now(),
        **clean_budgets(budgets),
    )
    after = {
        "goal": investigation.goal,
        "alert": alert.pk if alert is not None else None,
        "server": server.name if server is not None else None,
        "provider": chosen.name,
        **{name: str(getattr(investigation, name)) for name in BUDGET_FIELDS},
    }
    record_event(actor=actor, action="investigation.started", obj=investigation, after=after)
    live.status_changed(investigation)
    enqueue_after_commit(RUN_TASK, investigation.pk)
    return investigation


def add_entry(investigation: Investigation, kind: str, content: str = "", **fields: Any) -> InvestigationEntry:
    """Append one (already redacted) transcript line and broadcast it after commit."""
    last = investigation.entries.order_by("-seq").values_list("seq", flat=True).first() or 0
    entry = InvestigationEntry.objects.create(
        investigation=investigation, seq=last + 1, kind=kind, content=content, **fields
    )
    live.entry_added(entry)
    return entry


def end_investigation(investigation: Investigation, *, status: str, reason: str, error: str = "") -> Investigation:
    """Mark it finished (completed, stopped or failed) with its reason; pending commands expire."""
    investigation.status, investigation.end_reason = status, reason
    investigation.error = error[:2000]
    investigation.finished_at = timezone.now()
    investigation.save(update_fields=["status", "end_reason", "error", "finished_at", "stop_requested"])
    for command in investigation.commands.filter(status=CommandStatus.PENDING):
        command.status = CommandStatus.EXPIRED
        command.save(update_fields=["status"])
        live.command_changed(command)
    live.status_changed(investigation)
    return investigation


@transaction.atomic
def stop_investigation(investigation: Investigation, *, actor: Actor) -> Investigation:
    """Stop it now (queued or waiting) or at the worker's next step (running); its requester or an approver may."""
    locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
    if not (actor.user_id is not None and actor.user_id == locked.requested_by_id) and not may(
        actor, APPROVE_EXECUTION
    ):
        raise PermissionDenied("Only whoever started it or an approver may stop an investigation.")
    if locked.finished:
        raise InvestigationRefused("This investigation has already ended.")
    locked.stop_requested = True
    if locked.status == InvestigationStatus.RUNNING:
        locked.save(update_fields=["stop_requested"])
    else:
        end_investigation(locked, status=InvestigationStatus.STOPPED, reason=EndReason.STOPPED)
    add_entry(locked, EntryKind.NOTE, f"Stopped by {actor.display}.")
    record_event(actor=actor, action="investigation.stopped", obj=locked, after={"status": locked.status})
    return locked


def may_decide(actor: Actor, command: CommandRequest) -> bool:
    """An approver with a grant on the command's server, and never the person whose investigation asked for it."""
    user = user_of(actor)
    if user is None or command.server is None or user.pk == command.investigation.requested_by_id:
        return False
    return can_run_on(user, command.server, perm=APPROVE_PERM)


@transaction.atomic
def decide_command(command: CommandRequest, *, actor: Actor, approve: bool, reason: str = "") -> CommandRequest:
    """Approve or reject one pending command (the exact string on that server); the worker resumes after commit."""
    require_permission(actor, APPROVE_EXECUTION)
    # The investigation first, like the worker that moves it to waiting_approval: a decision never slips in between.
    Investigation.objects.select_for_update().filter(pk=command.investigation_id).first()
    rows = CommandRequest.objects.select_for_update(of=("self",)).select_related("investigation", "server")
    locked = rows.get(pk=command.pk)
    if locked.investigation.requested_by_id is not None and actor.user_id == locked.investigation.requested_by_id:
        raise PermissionDenied("The person who started the investigation cannot approve its commands.")
    if not may_decide(actor, locked):
        raise PermissionDenied("You may not approve commands on this server.")
    if locked.status != CommandStatus.PENDING:
        raise InvestigationRefused(f"This command is {locked.get_status_display().lower()}, not waiting.")
    locked.status = CommandStatus.APPROVED if approve else CommandStatus.REJECTED
    locked.decided_by, locked.decided_at = user_of(actor), timezone.now()
    locked.decision_reason = reason.strip()[:2000]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    action = "investigation.command_approved" if approve else "investigation.command_rejected"
    after = {"command": locked.command, "server": locked.server_name, "reason": locked.decision_reason}
    record_event(actor=actor, action=action, obj=locked.investigation, after=after)
    live.command_changed(locked)
    verdict = "approved" if approve else "rejected"
    add_entry(locked.investigation, EntryKind.NOTE, f"{actor.display} {verdict} `{locked.command}`.")
    _resume(locked.investigation)
    return locked


def _resume(investigation: Investigation) -> None:
    """Queue the worker again once nothing waits for a person any more."""
    if investigation.commands.filter(status=CommandStatus.PENDING).exists():
        return
    updated = Investigation.objects.filter(
        pk=investigation.pk, status=InvestigationStatus.WAITING_APPROVAL, stop_requested=False
    ).update(status=InvestigationStatus.QUEUED, queued_at=timezone.now())
    if updated:
        investigation.refresh_from_db()
        live.status_changed(investigation)
        enqueue_after_commit(RUN_TASK, investigation.pk)


# A worker claims a running investigation for at most one model call plus one command at a time; one this much past
# its time budget is taken to have lost its worker (killed, restarted) and is ended.
LOST_WORKER_SLACK_SECONDS = 900


def sweep_investigations(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Housekeeping: queue again those left queued, end waiting ones past their time budget and lost running ones."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.REDISPATCH_AFTER_SECONDS)
    queued = Investigation.objects.filter(status=InvestigationStatus.QUEUED, queued_at__lt=cutoff).order_by("id")
    sent = enqueue_many_now(RUN_TASK, list(queued.values_list("id", flat=True)[:1000]), name_prefix="investigation-")
    ended = 0
    active = (InvestigationStatus.WAITING_APPROVAL, InvestigationStatus.RUNNING)
    for row in Investigation.objects.filter(status__in=active, started_at__isnull=False).order_by("id"):
        elapsed = (now - row.started_at).total_seconds() if row.started_at else 0
        if row.status == InvestigationStatus.WAITING_APPROVAL and elapsed >= row.max_seconds:
            ended += _end_if(
                row, InvestigationStatus.WAITING_APPROVAL, InvestigationStatus.COMPLETED, EndReason.TIME_BUDGET
            )
        elif row.status == InvestigationStatus.RUNNING and elapsed >= row.max_seconds + LOST_WORKER_SLACK_SECONDS:
            ended += _end_if(
                row, InvestigationStatus.RUNNING, InvestigationStatus.FAILED, EndReason.ERROR, "worker lost"
            )
    return {"redispatched": sent, "ended": ended}


@transaction.atomic
def _end_if(row: Investigation, expected: str, status: str, reason: str, error: str = "") -> int:
    locked = Investigation.objects.select_for_update().get(pk=row.pk)
    if locked.status != expected:
        return 0
    end_investigation(locked, status=status, reason=reason, error=error)
    record_event(actor=Actor.system(), action="investigation.ended", obj=locked, after={"end_reason": reason})
    return 1
