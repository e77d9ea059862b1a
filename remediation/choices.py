"""Vocabularies of the core app."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VIEWER = "Viewer", "Viewer"
    OPERATOR = "Operator", "Operator"
    APPROVER = "Approver", "Approver"
    ADMIN = "Admin", "Admin"


SYSTEM_ACTOR = "system"


class RuleAction(models.TextChoices):
    IGNORE = "ignore", "Ignore (stored, marked ignored)"
    RECORD = "record", "Record"
    ANALYZE = "analyze", "Analyze (AI)"
    REMEDIATE = "remediate", "Remediate (runbook)"


class StatusFilter(models.TextChoices):
    FIRING = "firing", "Firing only"
    RESOLVED = "resolved", "Resolved only"
    ANY = "any", "Firing and resolved"


class MatcherOp(models.TextChoices):
    EQUAL = "=", "= (equals)"
    NOT_EQUAL = "!=", "!= (differs)"
    REGEX = "=~", "=~ (matches regex)"
    NOT_REGEX = "!~", "!~ (does not match regex)"


class MatcherTarget(models.TextChoices):
    LABEL = "label", "Label"
    ANNOTATION = "annotation", "Annotation"


class WindowKind(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    RECURRING = "recurring", "Recurring (cron)"


class DecisionOutcome(models.TextChoices):
    NO_MATCH = "no_match", "No rule matched"
    IGNORED = "ignored", "Ignored"
    RECORDED = "recorded", "Recorded"
    QUEUED = "queued", "Queued"
    SUPPRESSED = "suppressed", "Suppressed"


class ActionRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending (waiting for a handler)"
    DISPATCHED = "dispatched", "Dispatched to its handler"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SuppressionReason(models.TextChoices):
    IGNORED = "ignored", "Ignored by an ignore rule"
    KILL_SWITCH = "kill_switch", "Kill switch engaged"
    MAINTENANCE = "maintenance", "Maintenance window"
