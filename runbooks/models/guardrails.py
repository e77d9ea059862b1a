"""Maintenance windows and the global kill switch: what suppresses automatic remediation."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from remediation.choices import WindowKind
from remediation.matchers import MatcherError, compile_matchers


class MaintenanceWindow(models.Model):
    """A one-off or cron-recurring period, scoped by matchers, during which automatic remediation is suppressed."""

    name = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    kind = models.CharField(max_length=16, choices=WindowKind.choices, default=WindowKind.ONE_OFF)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="One-off: start.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="One-off: end (exclusive).")
    cron = models.CharField(max_length=100, blank=True, help_text="Recurring: when it opens, e.g. '0 2 * * sun'.")
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Recurring: how long it stays open."
    )
    timezone = models.CharField(max_length=64, default="UTC", help_text="Recurring: time zone of the cron expression.")
    matchers = models.JSONField(
        default=list, blank=True, help_text='Scope: [{"name": "env", "op": "=", "value": "prod"}]; empty = every alert.'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "remediation_maintenancewindow"  # kept from the kernel, where it lived until runbooks 0010
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == WindowKind.ONE_OFF:
            if not self.starts_at or not self.ends_at:
                errors["ends_at"] = "A one-off window needs a start and an end."
            elif self.ends_at <= self.starts_at:
                errors["ends_at"] = "The end must be after the start."
        else:
            if not croniter.is_valid(self.cron or ""):
                errors["cron"] = f"Invalid cron expression {self.cron!r}."
            if not self.duration_minutes:
                errors["duration_minutes"] = "A recurring window needs a duration."
            if self.timezone not in zoneinfo.available_timezones():
                errors["timezone"] = f"Unknown time zone {self.timezone!r}."
        if not isinstance(self.matchers, list) or not all(isinstance(m, dict) for m in self.matchers):
            errors["matchers"] = "Matchers must be a list of {name, op, value} objects."
        else:
            try:
                compile_matchers(self.matchers)
            except MatcherError as exc:
                errors["matchers"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the window is open at `now` (aware)."""
        if not self.enabled:
            return False
        if self.kind == WindowKind.ONE_OFF:
            return bool(self.starts_at and self.ends_at and self.starts_at <= now < self.ends_at)
        local = now.astimezone(zoneinfo.ZoneInfo(self.timezone))
        # +1 µs so a window opening exactly now counts as open.
        opened = croniter(self.cron, local + dt.timedelta(microseconds=1)).get_prev(dt.datetime)
        return local < opened + dt.timedelta(minutes=self.duration_minutes or 0)


class KillSwitch(models.Model):
    """The one global switch (row id 1) that pauses every automatic execution while engaged."""

    engaged = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "remediation_killswitch"
        verbose_name_plural = "kill switch"

    def __str__(self) -> str:
        return "engaged" if self.engaged else "released"

    @classmethod
    def current(cls) -> KillSwitch:
        """The switch row (created released on first use)."""
        switch, _ = cls.objects.get_or_create(pk=1)
        return switch
