"""Runbook schedules: the one service that changes them and keeps their django-q2 schedules in step (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from remediation import jobs
from remediation.actors import Actor, user_of
from remediation.permissions import CHANGE_RUNBOOKSCHEDULE
from remediation.services.access import require_permission
from remediation.services.audit import record_event
from runbooks.models import RunbookSchedule
from runbooks.services.scope import OutOfScope, check_scope

FIRE_TASK = "runbooks.tasks.fire_schedule"
EDITABLE = (
    "name",
    "runbook",
    "kind",
    "cron",
    "timezone",
    "interval_minutes",
    "params",
    "target_ids",
    "dry_run",
    "enabled",
    "overlap_policy",
)


def snapshot(schedule: RunbookSchedule) -> dict[str, Any]:
    """The audited view of a schedule."""
    values = {field: getattr(schedule, field) for field in EDITABLE if field != "runbook"}
    return {**values, "runbook": schedule.runbook.name}


def preview(schedule: RunbookSchedule, *, count: int = 5, now: dt.datetime | None = None) -> list[dt.datetime]:
    """The next `count` intended runs of a (possibly unsaved) schedule."""
    schedule.full_clean(exclude=["runbook", "name"])
    return schedule.next_runs(now or timezone.now(), count)


def check_schedule_scope(actor: Actor, target_ids: Any) -> None:
    """A person may schedule runs only on servers they may run on (ValidationError on `target_ids` otherwise)."""
    try:
        check_scope(actor, list(target_ids or []) if isinstance(target_ids, list) else [])
    except OutOfScope as exc:
        raise ValidationError({"target_ids": str(exc)}) from None


def sync_q2(schedule: RunbookSchedule) -> None:
    """Make the django-q2 row match: one ONCE schedule at next_run_at while enabled, none while paused."""
    if not schedule.enabled or schedule.next_run_at is None:
        jobs.remove_schedule(schedule.q2_name)
        return
    jobs.upsert_once(schedule.q2_name, FIRE_TASK, schedule.pk, at=schedule.next_run_at, intended_kwarg="intended")


def arm(schedule: RunbookSchedule, now: dt.datetime) -> None:
    """Set the next intended run (none while paused) and sync the django-q2 row."""
    schedule.next_run_at = schedule.next_runs(now)[0] if schedule.enabled else None
    schedule.save(update_fields=["next_run_at", "updated_at"])
    sync_q2(schedule)


@transaction.atomic
def create_schedule(*, actor: Actor, now: dt.datetime | None = None, **values: Any) -> RunbookSchedule:
    """Validate, save and arm a new schedule; audited as schedule.created."""
    schedule = RunbookSchedule(**values, created_by=user_of(actor))
    schedule.full_clean()
    check_schedule_scope(actor, schedule.target_ids)
    schedule.save()
    arm(schedule, now or timezone.now())
    record_event(actor=actor, action="schedule.created", obj=schedule, after=snapshot(schedule))
    return schedule


@transaction.atomic
def update_schedule(
    schedule: RunbookSchedule,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    **changes: Any,
) -> RunbookSchedule:
    """Apply changes, re-validate and re-arm; audited as schedule.updated with the before/after diff."""
    before = snapshot(schedule)
    for field, value in changes.items():
        if field not in EDITABLE:
            raise ValueError(f"{field!r} cannot be changed")
        setattr(schedule, field, value)
    schedule.full_clean()
    check_schedule_scope(actor, schedule.target_ids)
    schedule.save()
    arm(schedule, now or timezone.now())
    record_event(actor=actor, action="schedule.updated", obj=schedule, before=before, after=snapshot(schedule))
    return schedule


@transaction.atomic
def set_schedule_enabled(
    schedule: RunbookSchedule,
    enabled: bool,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> RunbookSchedule:
    """Pause (no django-q2 row, nothing fires) or resume (armed from now on); audited schedule.paused/resumed."""
    require_permission(actor, CHANGE_RUNBOOKSCHEDULE)
    schedule.enabled = enabled
    schedule.save(update_fields=["enabled", "updated_at"])
    arm(schedule, now or timezone.now())
    action = "schedule.resumed" if enabled else "schedule.paused"
    record_event(actor=actor, action=action, obj=schedule, after={"next_run_at": schedule.next_run_at})
    return schedule


@transaction.atomic
def delete_schedule(schedule: RunbookSchedule, *, actor: Actor) -> None:
    """Delete a schedule, its django-q2 row and its history; audited as schedule.deleted."""
    record_event(actor=actor, action="schedule.deleted", obj=schedule, before=snapshot(schedule))
    jobs.remove_schedule(schedule.q2_name)
    schedule.delete()


def rearm_schedules(now: dt.datetime | None = None) -> int:
    """Self-heal: give every enabled schedule whose django-q2 row is gone or spent a fresh one (returns how many)."""
    now = now or timezone.now()
    armed = jobs.armed_schedules("runbook-schedule:")
    healed = 0
    for schedule in RunbookSchedule.objects.filter(enabled=True):
        if schedule.q2_name in armed:
            continue
        if schedule.next_run_at is None:
            schedule.next_run_at = schedule.next_runs(now)[0]
            schedule.save(update_fields=["next_run_at"])
        sync_q2(schedule)  # a past next_run fires at once and is then recorded as missed, not run late
        healed += 1
    return healed
