"""Background tasks of the alerts app (django-q2; each message carries only ids)."""

from __future__ import annotations

from alerts.services.actions import dispatch_action_request as _dispatch


def dispatch_action_request(action_request_id: int) -> str:
    """Hand one queued analyze / remediate request to the handler its app registered."""
    return _dispatch(action_request_id)


def redispatch_stale_action_requests() -> int:
    """Queue again analyze / remediate requests left pending past REDISPATCH_AFTER_SECONDS (every minute)."""
    from alerts.services.actions import redispatch_stale_action_requests as redispatch

    return redispatch()


def check_watchdog() -> str:
    """Housekeeping: raise or resolve the product's own alert when the Watchdog alert stops or resumes arriving."""
    from alerts.services.watchdog import check_watchdog as check

    return check()
