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


def deliver_notification(delivery_id: int) -> str:
    """Make one attempt at sending one notification delivery (retries are re-queued by `send_due_notifications`)."""
    from remediation.notifications.delivery import deliver

    return deliver(delivery_id)


def send_due_notifications() -> int:
    """Queue notification deliveries whose retry is due (scheduled every minute)."""
    from remediation.notifications.delivery import send_due

    return send_due()
