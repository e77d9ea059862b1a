"""Retention of executions and step output (registered in RunbooksConfig.ready())."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from remediation.services.retention import cutoff
from runbooks.choices import FINISHED_STATUSES
from runbooks.models import Execution, StepRun


def purge_executions(now: dt.datetime) -> dict[str, int]:
    """Delete finished executions created before RETENTION_EXECUTIONS_DAYS (with their step runs)."""
    before = cutoff("RETENTION_EXECUTIONS_DAYS", now)
    if before is None:
        return {"executions": 0}
    old = Execution.objects.filter(status__in=FINISHED_STATUSES, created_at__lt=before)
    ids = list(old.values_list("pk", flat=True))
    StepRun.objects.filter(execution_id__in=ids).delete()
    Execution.objects.filter(pk__in=ids).delete()
    return {"executions": len(ids)}


def clear_step_output(now: dt.datetime) -> dict[str, int]:
    """Blank stdout/stderr of step runs started before RETENTION_STEP_OUTPUT_DAYS (the rows stay for history)."""
    before = cutoff("RETENTION_STEP_OUTPUT_DAYS", now)
    if before is None:
        return {"step_outputs": 0}
    old = StepRun.objects.filter(started_at__lt=before).filter(~Q(stdout="") | ~Q(stderr=""))
    return {"step_outputs": old.update(stdout="", stderr="")}


def purge_schedule_runs(now: dt.datetime) -> dict[str, int]:
    """Delete schedule history entries intended before RETENTION_EXECUTIONS_DAYS."""
    from runbooks.models import ScheduleRun

    before = cutoff("RETENTION_EXECUTIONS_DAYS", now)
    if before is None:
        return {"schedule_runs": 0}
    count, _ = ScheduleRun.objects.filter(scheduled_for__lt=before).delete()
    return {"schedule_runs": count}
