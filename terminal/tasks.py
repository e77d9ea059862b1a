"""Background tasks of the terminal app (django-q2; each message carries only ids)."""

from __future__ import annotations

from terminal.services import recordings, sessions


def purge_recordings() -> int:
    """Housekeeping: delete recordings past the retention period."""
    return recordings.purge_recordings()


def reap_stale_sessions() -> int:
    """Housekeeping: close session rows a dead web process left open."""
    return sessions.reap_stale_sessions()
