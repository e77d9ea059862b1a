"""Background tasks of the runbooks app (django-q2; each message carries only ids)."""

from __future__ import annotations


def run_execution(execution_id: int) -> str:
    """Run one execution (a duplicate delivery claims nothing and does nothing)."""
    from runbooks.services.runner import run_execution as run

    return run(execution_id)


def reap_expired_leases() -> int:
    """Turn executions whose worker died into `error` (scheduled every minute)."""
    from runbooks.services.execute import reap_expired_leases as reap

    return reap()
