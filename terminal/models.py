"""Terminal sessions: one row per browser shell, with its recording (grants live in the kernel, remediation)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from terminal.choices import EndReason, SessionStatus


class TerminalSession(models.Model):
    """One browser shell on one server: who, where, when, bytes each way, why it ended, and its recording."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="terminal_sessions")
    # The server row may be deleted later; its name stays on the session for the record.
    server = models.ForeignKey(
        "remediation.Server", null=True, on_delete=models.SET_NULL, related_name="terminal_sessions"
    )
    server_name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_detail = models.CharField(max_length=300, blank=True)
    bytes_in = models.BigIntegerField(default=0, help_text="Bytes typed (sent to the server).")
    bytes_out = models.BigIntegerField(default=0, help_text="Bytes of output (sent to the browser).")
    cols = models.PositiveIntegerField(default=80)
    rows = models.PositiveIntegerField(default=24)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    recording_path = models.CharField(max_length=200, blank=True, help_text="Relative to TERMINAL_RECORDINGS_DIR.")
    recording_input = models.BooleanField(default=False, help_text="Keystrokes were recorded too.")
    recording_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("review_terminalsession", "Can list and replay every user's terminal sessions"),
            ("open_any_terminal", "Can open a terminal on any server without a grant"),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.server_name} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        end = self.ended_at or (timezone.now() if self.status == SessionStatus.OPEN else None)
        return (end - self.started_at).total_seconds() if end else None

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_path) and self.recording_purged_at is None
