"""Housekeeping jobs registered by the apps (`remediation.hooks`) and upserted into django-q2 schedules by name."""

from __future__ import annotations

from django.db import transaction

from remediation import hooks, jobs
from remediation.hooks import Job

__all__ = ["Job", "housekeeping_jobs", "upsert_housekeeping_schedules"]


def housekeeping_jobs() -> list[Job]:
    """The jobs of this build: what every installed app registered with `remediation.hooks.register_job`."""
    return hooks.jobs()


@transaction.atomic
def upsert_housekeeping_schedules() -> list[str]:
    """Create or update each job's django-q2 schedule by name; duplicates left by older code are removed."""
    names = []
    for job in housekeeping_jobs():
        jobs.upsert_repeating(job.name, job.func, minutes=job.minutes, intended_kwarg=job.intended_kwarg)
        names.append(job.name)
    return names
