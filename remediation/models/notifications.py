"""Notification channels (where people are told) and deliveries (one row per message to one channel)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone

from remediation.choices import ChannelKind, DeliveryStatus, NotificationEvent, NotificationSeverity
from remediation.models.secrets import EncryptedSecretField

HTTP_KINDS = (ChannelKind.SLACK, ChannelKind.TEAMS, ChannelKind.WEBHOOK)


class NotificationChannel(models.Model):
    """A place notifications go (chat webhook, signed JSON webhook, email); its secret is encrypted, write-only."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    url = models.URLField(
        max_length=500,
        blank=True,
        help_text="HTTP kinds: the receiver's URL without its secret token (the token goes in the secret).",
    )
    recipients = models.JSONField(default=list, blank=True, help_text='Email: ["oncall@example.com", ...].')
    secret = EncryptedSecretField(
        help_text="Write-only. Slack/Teams: the secret webhook URL (used instead of url); webhook: the HMAC secret."
    )
    enabled = models.BooleanField(default=True)
    severity_floor = models.CharField(
        max_length=16,
        choices=NotificationSeverity.choices,
        default=NotificationSeverity.INFO,
        help_text="Events below this severity are not sent here.",
    )
    events = models.JSONField(default=list, blank=True, help_text="Event kinds sent here; empty = every kind.")
    is_default = models.BooleanField(
        default=False, help_text="Receives events no rule or runbook routes to a channel of its own."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        unknown = [e for e in self.events or [] if e not in NotificationEvent.values]
        if not isinstance(self.events, list) or unknown:
            errors["events"] = f"Unknown event kinds: {unknown}; known: {', '.join(NotificationEvent.values)}."
        if self.kind == ChannelKind.EMAIL:
            errors.update(_recipient_errors(self.recipients))
        elif self.kind == ChannelKind.WEBHOOK:
            if not self.url:
                errors["url"] = "Give the receiver's URL."
            if not self.secret:
                errors["secret"] = "A signed webhook needs an HMAC secret."  # noqa: S105  # a message, not a secret
        elif self.kind in HTTP_KINDS and not self.url and not self.secret:
            errors["url"] = "Give the webhook URL: as the secret when it carries a token (it usually does), else here."
        if errors:
            raise ValidationError(errors)


def _recipient_errors(recipients: Any) -> dict[str, str]:
    if not isinstance(recipients, list) or not recipients:
        return {"recipients": "An email channel needs a list of one or more addresses."}
    for address in recipients:
        try:
            validate_email(address)
        except (ValidationError, TypeError):
            return {"recipients": f"Not an email address: {address!r}."}
    return {}


class NotificationDelivery(models.Model):
    """One message of one event to one channel: a run is a row (status, attempts, the last error masked)."""

    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64, choices=NotificationEvent.choices)
    severity = models.CharField(max_length=16, choices=NotificationSeverity.choices)
    dedup_key = models.CharField(max_length=200, blank=True, help_text="The episode (or object) the event is about.")
    payload = models.JSONField(default=dict, help_text="What is sent (never a secret).")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["event", "dedup_key", "channel", "created_at"], name="notify_repeat_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="notify_due_idx"),
        ]
        verbose_name_plural = "notification deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.channel_id} ({self.status})"
