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
    RESOLVED = "resolved", "Alert already resolved"
    NO_TARGET = "no_target", "No target server resolved"
    EPISODE_ACTIVE = "episode_active", "An execution for this episode is already active"
    COOLDOWN = "cooldown", "Cooldown per rule and target"
    RATE_LIMIT = "rate_limit", "Max executions per hour reached"
    BREAKER_OPEN = "breaker_open", "Circuit breaker open"
    REFUSED = "refused", "The runbook refused the request (plan problems, disabled)"
    OUT_OF_SCOPE = "out_of_scope", "A target is outside the rule's or the alert source's scope"


class RemediationMode(models.TextChoices):
    AUTO = "auto", "Automatic"
    APPROVAL = "approval", "Needs approval"
    SUGGEST = "suggest", "Suggest only (offered, not run)"
    SHADOW = "shadow", "Shadow (dry-run, records what it would do)"


class TargetSource(models.TextChoices):
    INSTANCE = "instance", "Server named by the alert's instance label"
    SERVERS = "servers", "Fixed servers"
    TAG = "tag", "Servers with a tag"


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed"
    OPEN = "open", "Open"
    HALF_OPEN = "half_open", "Half-open (one trial allowed)"


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack incoming webhook"
    TEAMS = "teams", "Teams / Mattermost incoming webhook"
    WEBHOOK = "webhook", "Generic JSON webhook (HMAC-SHA256 signed)"
    EMAIL = "email", "Email"


class NotificationSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {NotificationSeverity.INFO: 0, NotificationSeverity.WARNING: 1, NotificationSeverity.CRITICAL: 2}


class NotificationEvent(models.TextChoices):
    APPROVAL_REQUESTED = "approval.requested", "Approval requested"
    EXECUTION_FAILED = "execution.failed", "Execution failed"
    EXECUTION_RECOVERED = "execution.succeeded_after_retries", "Execution succeeded after retries"
    BREAKER_OPENED = "breaker.opened", "Circuit breaker opened"
    BREAKER_CLOSED = "breaker.closed", "Circuit breaker closed"
    REMEDIATION_SUPPRESSED = "remediation.suppressed", "Remediation suppressed"
    VERIFICATION_FAILED = "verification.failed", "Verification failed (alert still firing after the window)"
    KILL_SWITCH_ENGAGED = "kill_switch.engaged", "Kill switch engaged"
    KILL_SWITCH_RELEASED = "kill_switch.released", "Kill switch released"
    INVESTIGATION_NEEDS_APPROVAL = "investigation.needs_approval", "Investigation needs approval"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
