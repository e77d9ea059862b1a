"""Background tasks of the core app (django-q2; each message carries only ids)."""

from __future__ import annotations


def record_heartbeat(intended: str | None = None) -> str:
    """Say this qcluster instance is alive (scheduled every minute); `intended` measures the queue lag."""
    from remediation.services.heartbeat import record_heartbeat as record

    return record(enqueued_at=intended).name


def purge_old_data() -> dict[str, int]:
    """Apply the retention settings (scheduled daily)."""
    from remediation.services.retention import purge_old_data as purge

    return purge()
