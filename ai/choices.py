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
