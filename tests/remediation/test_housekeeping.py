"""Housekeeping schedules: upserted by name from code, idempotent, taking over the migration's reaper row."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from remediation.services.housekeeping import JOBS, upsert_housekeeping_schedules

pytestmark = pytest.mark.django_db


def test_it_upserts_every_job_once_however_often_it_runs() -> None:
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    for job in JOBS:
        row = Schedule.objects.get(name=job.name)
        assert (row.func, row.minutes, row.repeats) == (job.func, job.minutes, -1)


def test_it_takes_over_the_reaper_row_the_migration_registered_and_drops_duplicates() -> None:
    reaper = Schedule.objects.get(name="runbooks.reap_expired_leases")  # registered by runbooks migration 0003
    Schedule.objects.create(name="runbooks.reap_expired_leases", func="old.path", schedule_type="I", minutes=9)
    upsert_housekeeping_schedules()
    rows = Schedule.objects.filter(name="runbooks.reap_expired_leases")
    assert list(rows.values_list("pk", "func", "minutes")) == [(reaper.pk, "runbooks.tasks.reap_expired_leases", 1)]


def test_it_restores_a_job_someone_edited() -> None:
    Schedule.objects.filter(name="remediation.worker_heartbeat").update(minutes=60, repeats=0)
    upsert_housekeeping_schedules()
    row = Schedule.objects.get(name="remediation.worker_heartbeat")
    assert (row.minutes, row.repeats, row.intended_date_kwarg) == (1, -1, "intended")
