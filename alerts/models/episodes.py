"""Alert episodes: one row per (fingerprint, startsAt) as Alertmanager delivers them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from alerts.choices import AlertStatus


class Alert(models.Model):
    """One alert episode; repeats bump the counter, `resolved` closes it, a new startsAt is a new episode."""

    fingerprint = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="When Alertmanager says it ended; empty = open.")
    status = models.CharField(max_length=16, choices=AlertStatus.choices, db_index=True)
    # Denormalised from labels for filtering and listing; the labels themselves are kept whole.
    alertname = models.CharField(max_length=200, blank=True, db_index=True)
    severity = models.CharField(max_length=64, blank=True, db_index=True)
    labels = models.JSONField(default=dict)
    annotations = models.JSONField(default=dict)
    generator_url = models.TextField(blank=True)
    receiver = models.CharField(max_length=200, blank=True)
    group_key = models.TextField(blank=True)
    external_url = models.TextField(blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Name of the webhook token that delivered it.")
    ignored = models.BooleanField(default=False, help_text="A rule said ignore: stored, no action taken.")
    first_received_at = models.DateTimeField()
    last_received_at = models.DateTimeField()
    receive_count = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When the resolution was received.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Which delivery inserted the row: under concurrent deliveries only that one evaluates rules and queues actions.
    batch_id = models.UUIDField(editable=False)
    resolved_batch_id = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The delivery (batch) whose resolution closed the episode."
    )

    class Meta:
        ordering = ["-id"]
        # An episode belongs to its source: one team's token can neither resolve nor repeat another team's episode.
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint", "starts_at"], name="alert_episode_per_source")
        ]
        indexes = [models.Index(fields=["-last_received_at"]), models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.alertname or self.fingerprint} ({self.status})"

    @property
    def summary(self) -> str:
        return str(self.annotations.get("summary", "") or self.annotations.get("description", ""))

    def run_context(self) -> dict[str, Any]:
        """What a run started for this alert is templated with (`alert.*` in runbooks) and stores as its alert."""
        return {
            "labels": self.labels,
            "annotations": self.annotations,
            "status": self.status,
            "fingerprint": self.fingerprint,
        }
