"""Vocabularies of the runbooks app."""

from __future__ import annotations

from django.db import models


class StepKind(models.TextChoices):
    SSH = "ssh", "SSH command"
    HTTP = "http", "HTTP request"


class OnFailure(models.TextChoices):
    STOP = "stop", "Stop"
    CONTINUE = "continue", "Continue"
    ROLLBACK = "rollback", "Roll back completed steps"


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = frozenset(
    {
        ExecutionStatus.REJECTED,
        ExecutionStatus.EXPIRED,
        ExecutionStatus.SUCCEEDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.ERROR,
        ExecutionStatus.CANCELLED,
    }
)


class Trigger(models.TextChoices):
    MANUAL = "manual", "Manual"
    ALERT = "alert", "Alert"
    SCHEDULE = "schedule", "Schedule"
    API = "api", "API"
    CHAT = "chat", "Chat"
    SUGGESTION = "suggestion", "Suggestion (started from an alert)"


class Phase(models.TextChoices):
    RUN = "run", "Run"
    ROLLBACK = "rollback", "Rollback"


class StepRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"
    DRY_RUN = "dry_run", "Dry run (not executed)"


class ErrorKind(models.TextChoices):
    NONE = "", "None"
    EXIT_CODE = "exit_code", "Unexpected exit code"
    HTTP_STATUS = "http_status", "Unexpected HTTP status"
    OUTPUT = "output", "Output did not match"
    TIMEOUT = "timeout", "Timed out"
    TRANSPORT = "transport", "Transport error"
    POLICY = "policy", "Blocked by command policy"
    TEMPLATE = "template", "Template error"
    TARGET = "target", "Unknown or unusable target"
    CANCELLED = "cancelled", "Cancelled"
    INTERNAL = "internal", "Engine error"


# Which failures a step retries: transport errors always; the rest only when the step says so.
ALWAYS_RETRIED = frozenset({ErrorKind.TRANSPORT})
RETRIED_WHEN_ALLOWED = frozenset({ErrorKind.EXIT_CODE, ErrorKind.HTTP_STATUS, ErrorKind.OUTPUT, ErrorKind.TIMEOUT})


class ScheduleKind(models.TextChoices):
    CRON = "cron", "Cron expression (in the schedule's time zone)"
    INTERVAL = "interval", "Every N minutes"


class OverlapPolicy(models.TextChoices):
    SKIP = "skip", "Skip the run while the previous one is still going"
    ALLOW = "allow", "Start the run anyway"


class ScheduleRunStatus(models.TextChoices):
    STARTED = "started", "Execution requested"
    MISSED = "missed", "Missed (workers were down)"
    SKIPPED = "skipped", "Skipped (previous run still going)"
    REFUSED = "refused", "Refused (kill switch, maintenance or plan problems)"
