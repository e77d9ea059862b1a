"""Retention of terminal recordings (registered in TerminalConfig.ready())."""

from __future__ import annotations

import datetime as dt


def purge_recordings(now: dt.datetime) -> dict[str, int]:
    """Delete recording files past TERMINAL_RECORDING_RETENTION_DAYS (session rows stay)."""
    from terminal.services.recordings import purge_recordings as purge

    return {"recordings": purge(now=now)}
