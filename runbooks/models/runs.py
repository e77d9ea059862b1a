"""Runs: an Execution (a row per run, AWX-style status vocabulary) and its StepRun rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from runbooks.choices import ErrorKind, ExecutionStatus, Phase, StepKind, StepRunStatus, Trigger
from runbooks.models.definitions import Runbook, RunbookVersion
from runbooks.specs import Plan


class ExecutionQuerySet(models.QuerySet["Execution"]):
    def transition(self, pk: int, sources: Iterable[str], target: str, **fields: Any) -> bool:
        """Move one execution from one of `sources` to `target` with a conditional UPDATE; False if it was not."""
        if target in {s.value for s in ExecutionStatus if s in _FINAL}:
            fields.setdefault("finished_at", timezone.now())
        return bool(self.filter(pk=pk, status__in=list(sources)).update(status=target, **fields))

    def claim(self, pk: int, owner: str, lease_seconds: float) -> bool:
        """Claim a pending execution for one worker; a second delivery of the same task claims nothing."""
        now = timezone.now()
        return self.transition(
            pk,
            [ExecutionStatus.PENDING],
            ExecutionStatus.RUNNING,
            started_at=now,
            lease_owner=owner,
            heartbeat_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )

    def expired_leases(self, now: datetime | None = None) -> ExecutionQuerySet:
        return self.filter(status=ExecutionStatus.RUNNING, lease_expires_at__lt=now or timezone.now())


_FINAL = {
    ExecutionStatus.SUCCEEDED,
    ExecutionStatus.FAILED,
    ExecutionStatus.ERROR,
    ExecutionStatus.CANCELLED,
    ExecutionStatus.REJECTED,
    ExecutionStatus.EXPIRED,
}


ACTIVE_STATUSES = [ExecutionStatus.PENDING, ExecutionStatus.AWAITING_APPROVAL, ExecutionStatus.RUNNING]


class Execution(models.Model):
    """One run of a pinned runbook version on some targets, with the plan it was approved on."""

    runbook = models.ForeignKey(Runbook, on_delete=models.PROTECT, related_name="executions")
    version = models.ForeignKey(RunbookVersion, on_delete=models.PROTECT, related_name="executions")
    status = models.CharField(
        max_length=20, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING, db_index=True
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    target_ids = models.JSONField(default=list, blank=True, help_text="Primary keys of remediation.Server rows.")
    alert = models.JSONField(default=dict, blank=True, help_text="{labels, annotations} of the triggering alert.")
    dry_run = models.BooleanField(default=False)
    # Alert-triggered runs: the episode and rule (string references; alerts and rules live in other apps).
    alert_episode = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    rule = models.ForeignKey("alerts.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions")
    approval_expires_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, help_text="Why it was approved, rejected or overridden.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When the triggering episode resolved.")
    resolved_within_window = models.BooleanField(
        null=True, blank=True, help_text="Verification: did the episode resolve within the runbook's window?"
    )
    plan = models.JSONField(default=dict, blank=True, help_text="The rendered plan (secrets masked).")
    variables = models.JSONField(default=dict, blank=True, help_text="Captured step outputs.")
    cancel_requested = models.BooleanField(default=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_reason = models.TextField(blank=True)
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The episode mutex: at most one real (not dry-run) active execution per alert episode, whoever races.
            models.UniqueConstraint(
                fields=["alert_episode"],
                condition=models.Q(status__in=ACTIVE_STATUSES, dry_run=False, alert_episode__isnull=False),
                name="execution_one_active_per_episode",
            )
        ]
        indexes = [models.Index(fields=["rule", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.runbook} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in _FINAL

    @property
    def planned(self) -> Plan:
        """The stored plan as a typed value (what the approver was shown and the run is checked against)."""
        return Plan.from_json(self.plan)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()


class StepRun(models.Model):
    """One attempt of one step on one target (or one rollback of it): what ran and what came back, masked."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="step_runs")
    step_index = models.PositiveIntegerField()
    step_name = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=StepKind.choices)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.RUN)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_name = models.CharField(max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=StepRunStatus.choices, default=StepRunStatus.RUNNING)
    rendered = models.TextField(blank=True, help_text="The command or request that ran (secrets masked).")
    exit_code = models.IntegerField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    output_truncated = models.BooleanField(default=False)
    error_kind = models.CharField(max_length=12, choices=ErrorKind.choices, blank=True, default="")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["execution", "id"])]

    def __str__(self) -> str:
        return f"{self.execution_id}:{self.step_name}@{self.target_name or '-'}#{self.attempt} {self.status}"
