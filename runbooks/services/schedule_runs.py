"""Firing a schedule: run it, or record it missed (workers were down), skipped (overlap) or refused; then re-arm."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from remediation.actors import Actor
from remediation.services.audit import record_event
from runbooks.choices import FINISHED_STATUSES, OverlapPolicy, ScheduleRunStatus, Trigger
from runbooks.models import Execution, RunbookSchedule, ScheduleRun
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.guardrails import Suppressor
from runbooks.services.schedules import arm
from runbooks.services.scope import OutOfScope, check_scope

MAX_MISSED_RECORDED = 100  # after a very long outage, the history keeps the first ones and says how many more


def fire_schedule(schedule_id: int, *, intended: dt.datetime, now: dt.datetime | None = None) -> str:
    """Handle one intended run of a schedule; a duplicate delivery of the same run does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule = RunbookSchedule.objects.select_for_update().filter(pk=schedule_id).first()
        if schedule is None or not schedule.enabled:
            return "paused or deleted: nothing fired"
        if schedule.runs.filter(scheduled_for=intended).exists():
            return "already handled"
        if schedule.next_run_at is not None and intended < schedule.next_run_at:
            return "superseded: the schedule was changed or re-armed after this run was queued"
        too_late = now - dt.timedelta(seconds=settings.SCHEDULE_MISSED_GRACE_SECONDS)
        if intended < too_late:
            missed = _record_missed(schedule, intended, too_late, now)
            # An occurrence still within the grace period fires next, on time; past the cap, resume from the limit.
            arm(schedule, missed[-1] if len(missed) < MAX_MISSED_RECORDED else too_late)
            return f"missed {len(missed)}"
        outcome = _run_or_skip(schedule, intended, now)
        arm(schedule, max(now, intended))
    return outcome


def _record_missed(
    schedule: RunbookSchedule, intended: dt.datetime, too_late: dt.datetime, now: dt.datetime
) -> list[dt.datetime]:
    """Record every intended run from `intended` up to the grace limit as missed (none is replayed)."""
    later = [t for t in schedule.next_runs(intended, MAX_MISSED_RECORDED) if t < too_late]
    missed = [intended, *later][:MAX_MISSED_RECORDED]
    known = set(schedule.runs.filter(scheduled_for__in=missed).values_list("scheduled_for", flat=True))
    reason = f"workers were down at the intended time; noticed {now:%Y-%m-%d %H:%M:%S} UTC, not replayed"
    ScheduleRun.objects.bulk_create(
        [
            ScheduleRun(schedule=schedule, scheduled_for=t, status=ScheduleRunStatus.MISSED, reason=reason)
            for t in missed
            if t not in known
        ]
    )
    record_event(
        actor=Actor.system(),
        action="schedule.run_missed",
        obj=schedule,
        reason=reason,
        after={"missed": [t.isoformat() for t in missed]},
    )
    return missed


def _previous_still_going(schedule: RunbookSchedule) -> Execution | None:
    started = schedule.runs.filter(status=ScheduleRunStatus.STARTED).values("execution_id")
    return Execution.objects.filter(pk__in=started).exclude(status__in=FINISHED_STATUSES).first()


def _guard(schedule: RunbookSchedule, now: dt.datetime) -> str:
    """Why the kill switch or an open maintenance window stops this run ('' when nothing does)."""
    labels = {"runbook": schedule.runbook.name, "schedule": schedule.name, "trigger": Trigger.SCHEDULE}
    stop = Suppressor(now).suppression([labels])
    return stop[1] if stop else ""


def _owner_refused(schedule: RunbookSchedule) -> str:
    """A schedule runs with its owner's scope: refused once the owner may no longer run on a target ('' if fine)."""
    if schedule.created_by is None:
        return ""  # created by the system or from the shell (manage.py): no person's grants to apply
    try:
        check_scope(
            Actor.of(schedule.created_by), schedule.target_ids, who=f"the schedule's owner {schedule.created_by}"
        )
    except OutOfScope as exc:
        return str(exc)
    return ""


def _run_or_skip(schedule: RunbookSchedule, intended: dt.datetime, now: dt.datetime) -> str:
    previous = _previous_still_going(schedule)
    if previous is not None and schedule.overlap_policy == OverlapPolicy.SKIP:
        return _record(
            schedule,
            intended,
            ScheduleRunStatus.SKIPPED,
            "schedule.run_skipped",
            f"the previous run (execution #{previous.pk}) is still {previous.status}",
        )
    blocked = _guard(schedule, now) or _owner_refused(schedule)
    if blocked:
        return _record(schedule, intended, ScheduleRunStatus.REFUSED, "schedule.run_refused", blocked)
    try:  # a savepoint of its own; its refusal is audited after that savepoint, so it is kept
        execution = request_execution(
            schedule.runbook,
            actor=Actor.system(),
            params=schedule.params,
            target_ids=schedule.target_ids,
            dry_run=schedule.dry_run,
            trigger=Trigger.SCHEDULE,
        )
    except ExecutionRefused as refused:
        return _record(schedule, intended, ScheduleRunStatus.REFUSED, "schedule.run_refused", str(refused))
    ScheduleRun.objects.create(
        schedule=schedule, scheduled_for=intended, status=ScheduleRunStatus.STARTED, execution=execution
    )
    schedule.last_run_at = intended
    schedule.save(update_fields=["last_run_at"])
    return f"started execution #{execution.pk}"


def _record(schedule: RunbookSchedule, intended: dt.datetime, status: str, action: str, reason: str) -> str:
    try:
        with transaction.atomic():
            ScheduleRun.objects.create(schedule=schedule, scheduled_for=intended, status=status, reason=reason)
    except IntegrityError:
        return "already handled"
    record_event(
        actor=Actor.system(), action=action, obj=schedule, reason=reason, after={"scheduled_for": intended.isoformat()}
    )
    return f"{status}: {reason}"
