"""Housekeeping jobs defined in code and upserted into django-q2 schedules by name (never duplicated)."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from remediation import jobs


@dataclass(frozen=True)
class Job:
    """One recurring housekeeping task: a unique schedule name, a task dotted path and an interval in minutes."""

    name: str
    func: str
    minutes: int
    intended_kwarg: str = ""  # passes the run's intended time to tasks that measure their own lag


# The lease reaper, approval expiry and verification closing keep the names runbooks migrations 0003 and 0006
# registered them under, so the upsert takes those rows over (one row per job on old and fresh databases alike).
JOBS: tuple[Job, ...] = (
    Job("remediation.worker_heartbeat", "remediation.tasks.record_heartbeat", 1, "intended"),
    Job("runbooks.reap_expired_leases", "runbooks.tasks.reap_expired_leases", 1),
    Job("remediation.redispatch_stale", "alerts.tasks.redispatch_stale_action_requests", 1),
    Job("runbooks.redispatch_pending", "runbooks.tasks.redispatch_pending", 1),
    Job("runbooks.expire_approvals", "runbooks.tasks.expire_approvals", 1),
    Job("runbooks.close_verifications", "runbooks.tasks.close_verifications", 1),
    Job("runbooks.rearm_schedules", "runbooks.tasks.rearm_schedules", 5),
    Job("remediation.purge_old_data", "remediation.tasks.purge_old_data", 24 * 60),
)
# Jobs of feature apps, as (app label, job): added only when their app is installed (the core imports none).
OPTIONAL_JOBS: tuple[tuple[str, Job], ...] = (
    ("alerts", Job("alerts.check_watchdog", "alerts.tasks.check_watchdog", 1)),
    ("terminal", Job("terminal.reap_stale_sessions", "terminal.tasks.reap_stale_sessions", 5)),
    # Each check is one tiny (billed) request per enabled provider, hence not every minute.
    ("ai", Job("ai.check_provider_health", "ai.tasks.check_provider_health", 15)),
    ("ai", Job("ai.redispatch_queued", "ai.tasks.redispatch_queued_analyses", 1)),
)


def housekeeping_jobs() -> list[Job]:
    """The jobs of this build (optional ones only when their app is installed)."""
    return list(JOBS) + [job for label, job in OPTIONAL_JOBS if apps.is_installed(label)]


@transaction.atomic
def upsert_housekeeping_schedules() -> list[str]:
    """Create or update each job's django-q2 schedule by name; duplicates left by older code are removed."""
    names = []
    for job in housekeeping_jobs():
        jobs.upsert_repeating(job.name, job.func, minutes=job.minutes, intended_kwarg=job.intended_kwarg)
        names.append(job.name)
    return names
