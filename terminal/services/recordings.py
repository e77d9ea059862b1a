"""Retention of terminal recordings: files past their retention period are deleted (rows stay, audited)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from remediation.actors import Actor
from remediation.services.audit import record_event
from terminal.choices import SessionStatus
from terminal.models import TerminalSession
from terminal.recordings import resolve


def purge_recordings(*, now: dt.datetime | None = None) -> int:
    """Delete recording files past TERMINAL_RECORDING_RETENTION_DAYS (rows stay); returns how many."""
    days = settings.TERMINAL_RECORDING_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    old = TerminalSession.objects.filter(
        status=SessionStatus.CLOSED, ended_at__lt=now - dt.timedelta(days=days), recording_purged_at__isnull=True
    ).exclude(recording_path="")
    count = 0
    for session in old:
        resolve(session.recording_path).unlink(missing_ok=True)
        TerminalSession.objects.filter(pk=session.pk).update(recording_purged_at=now)
        count += 1
    if count:
        record_event(
            actor=Actor.system(),
            action="terminal.recordings_purged",
            object_type="terminal.terminalsession",
            after={"count": count, "retention_days": days},
        )
    return count
