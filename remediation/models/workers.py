"""Worker liveness: one row per qcluster instance, touched by the heartbeat housekeeping task."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker of one qcluster instance (cluster@host:pid) ran the heartbeat task."""

    name = models.CharField(max_length=200, unique=True)
    cluster = models.CharField(max_length=100)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField(db_index=True)
    queue_lag_seconds = models.FloatField(
        default=0, help_text="How long the heartbeat task waited in the queue before a worker ran it."
    )

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.name
