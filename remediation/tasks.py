"""Background tasks of the core app (django-q2; each message carries only ids)."""

from __future__ import annotations

from remediation.services.actions import dispatch_action_request as _dispatch


def dispatch_action_request(action_request_id: int) -> str:
    """Hand one queued analyze / remediate request to the handler its app registered."""
    return _dispatch(action_request_id)
