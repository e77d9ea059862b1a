"""Background tasks of the core app (django-q2; each message carries only ids)."""

from __future__ import annotations

from remediation.services.actions import dispatch_action_request as _dispatch


def dispatch_action_request(action_request_id: int) -> str:
    """Hand one queued analyze / remediate request to the handler its app registered."""
    return _dispatch(action_request_id)


def redispatch_stale_action_requests() -> int:
    """Queue again analyze / remediate requests left pending past REDISPATCH_AFTER_SECONDS (every minute)."""
    from remediation.services.actions import redispatch_stale_action_requests as redispatch

    return redispatch()


def record_heartbeat(intended: str | None = None) -> str:
    """Say this qcluster instance is alive (scheduled every minute); `intended` measures the queue lag."""
    from remediation.services.heartbeat import record_heartbeat as record

    return record(enqueued_at=intended).name


def purge_old_data() -> dict[str, int]:
    """Apply the retention settings (scheduled daily)."""
    from remediation.services.retention import purge_old_data as purge

    return purge()
