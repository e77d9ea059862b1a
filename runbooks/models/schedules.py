"""Runbook schedules (cron with a time zone, or an interval) and the history of their runs."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from runbooks.choices import OverlapPolicy, ScheduleKind, ScheduleRunStatus
from runbooks.models.definitions import Runbook
from runbooks.models.runs import Execution


def validate_time_zone(value: str) -> None:
    """An IANA time zone name, e.g. Europe/Berlin."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {value!r}.") from exc


def validate_cron(value: str) -> None:
    """A five-field cron expression croniter understands."""
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValidationError(f"Invalid cron expression {value!r} (five fields: minute hour day month weekday).")


class RunbookSchedule(models.Model):
    """Run a runbook on a cron expression in a time zone, or every N minutes, with fixed params and targets."""

    name = models.CharField(max_length=200, unique=True)
    runbook = models.ForeignKey(Runbook, on_delete=models.PROTECT, related_name="schedules")
    kind = models.CharField(max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.CRON)
    cron = models.CharField(max_length=100, blank=True, validators=[validate_cron])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    target_ids = models.JSONField(default=list, blank=True, help_text="Primary keys of remediation.Server rows.")
    dry_run = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    overlap_policy = models.CharField(max_length=10, choices=OverlapPolicy.choices, default=OverlapPolicy.SKIP)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Next intended run (UTC); empty when paused.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def q2_name(self) -> str:
        """Name of the django-q2 schedule that fires this one."""
        return f"runbook-schedule:{self.pk}"

    def clean(self) -> None:
        if self.kind == ScheduleKind.CRON:
            if not self.cron:
                raise ValidationError({"cron": "A cron schedule needs a cron expression."})
            validate_cron(self.cron)
        elif not self.interval_minutes:
            raise ValidationError({"interval_minutes": "An interval schedule needs a number of minutes (1 or more)."})
        validate_time_zone(self.timezone)

    def next_runs(self, after: dt.datetime, count: int = 1) -> list[dt.datetime]:
        """The next `count` intended run instants (UTC) strictly after `after`; cron is read in the time zone."""
        if self.kind == ScheduleKind.INTERVAL:
            step = dt.timedelta(minutes=self.interval_minutes or 1)
            anchor = self.created_at or after
            passed = max(0, int((after - anchor) // step) + 1)
            return [anchor + step * (passed + i) for i in range(count)]
        # croniter walks wall-clock time; attaching the zone afterwards (fold=0) is what makes DST right: a time in
        # the spring gap runs once at the offset before the change, a repeated autumn time runs once (the first).
        zone = zoneinfo.ZoneInfo(self.timezone)
        it = croniter(self.cron, after.astimezone(zone).replace(tzinfo=None))
        runs: list[dt.datetime] = []
        while len(runs) < count:
            instant = it.get_next(dt.datetime).replace(tzinfo=zone).astimezone(dt.UTC)
            if instant > after and (not runs or instant > runs[-1]):
                runs.append(instant)
        return runs


class ScheduleRun(models.Model):
    """One intended run of a schedule and what became of it (started, missed, skipped, refused)."""

    schedule = models.ForeignKey(RunbookSchedule, on_delete=models.CASCADE, related_name="runs")
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ScheduleRunStatus.choices)
    execution = models.ForeignKey(Execution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            # A duplicate delivery of the same intended run records (and starts) nothing twice.
            models.UniqueConstraint(fields=["schedule", "scheduled_for"], name="schedule_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.scheduled_for:%Y-%m-%d %H:%M} ({self.status})"
