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


def redispatch_pending() -> int:
    """Queue again executions left pending past REDISPATCH_AFTER_SECONDS (scheduled every minute)."""
    from runbooks.services.execute import redispatch_pending as redispatch

    return redispatch()


def expire_approvals() -> int:
    """Expire approval requests past the runbook's approval timeout (schedule every minute)."""
    from runbooks.services.approvals import expire_due

    return expire_due()


def close_verifications() -> int:
    """Record successes whose verification window passed without the alert resolving (schedule every minute)."""
    from runbooks.services.verification import close_overdue

    return close_overdue()


def fire_schedule(schedule_id: int, intended: str) -> str:
    """Run one intended run of a runbook schedule, or record it missed / skipped / refused."""
    import datetime as dt

    from runbooks.services.schedule_runs import fire_schedule as fire

    return fire(schedule_id, intended=dt.datetime.fromisoformat(intended))


def rearm_schedules() -> int:
    """Give enabled schedules whose django-q2 row was lost a fresh one (scheduled every few minutes)."""
    from runbooks.services.schedules import rearm_schedules as rearm

    return rearm()
