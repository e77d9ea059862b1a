"""Vocabularies of the ai app."""

from __future__ import annotations

from django.db import models


class AnalysisStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    INVALID = "invalid", "Invalid output"
    FAILED = "failed", "Failed"


class AnalysisTrigger(models.TextChoices):
    RULE = "rule", "Rule"
    MANUAL = "manual", "Manual"


class MessageRole(models.TextChoices):
    USER = "user", "User"
    ASSISTANT = "assistant", "Assistant"


class MessageStatus(models.TextChoices):
    STREAMING = "streaming", "Streaming"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    FAILED = "failed", "Failed"


class ProviderHealth(models.TextChoices):
    UNKNOWN = "unknown", "Not checked yet"
    OK = "ok", "OK"
    UNHEALTHY = "unhealthy", "Unhealthy"


class InvestigationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    WAITING_APPROVAL = "waiting_approval", "Waiting for approval"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"
    FAILED = "failed", "Failed"


INVESTIGATION_FINISHED = (InvestigationStatus.COMPLETED, InvestigationStatus.STOPPED, InvestigationStatus.FAILED)


class EndReason(models.TextChoices):
    FINISHED = "finished", "The model gave its finding"
    STOPPED = "stopped", "Stopped by a person"
    STEP_BUDGET = "step_budget", "Step budget spent"
    TIME_BUDGET = "time_budget", "Time budget spent"
    TOKEN_BUDGET = "token_budget", "Token budget spent"
    COST_BUDGET = "cost_budget", "Cost budget spent"
    PROVIDER_ERROR = "provider_error", "The provider failed"
    NO_PROVIDER = "no_provider", "No enabled provider"
    ERROR = "error", "Internal error"


class EntryKind(models.TextChoices):
    ASSISTANT = "assistant", "Assistant"
    TOOL_CALL = "tool_call", "Tool call"
    TOOL_RESULT = "tool_result", "Tool result"
    NOTE = "note", "Note"


class CommandStatus(models.TextChoices):
    BLOCKED = "blocked", "Blocked by policy"
    PENDING = "pending", "Waiting for approval"
    AUTO_APPROVED = "auto_approved", "Auto-approved by policy"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RAN = "ran", "Ran"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
