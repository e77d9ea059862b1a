"""Housekeeping schedules: upserted by name from code, idempotent, taking over the migration's reaper row."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils.module_loading import import_string
from django_q.models import Schedule

from remediation.services.housekeeping import housekeeping_jobs, upsert_housekeeping_schedules

pytestmark = pytest.mark.django_db


def test_it_upserts_every_job_once_however_often_it_runs() -> None:
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    for job in housekeeping_jobs():
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


# Issue 6's jobs, first scheduled by runbooks migration 0006, now owned by the housekeeping list.
MIGRATED_JOBS = {
    "runbooks.expire_approvals": "runbooks.tasks.expire_approvals",
    "runbooks.close_verifications": "runbooks.tasks.close_verifications",
}


def test_it_lists_approval_expiry_and_verification_closing_as_housekeeping_jobs() -> None:
    jobs = {job.name: (job.func, job.minutes) for job in housekeeping_jobs()}
    assert {name: jobs.get(name) for name in MIGRATED_JOBS} == {name: (f, 1) for name, f in MIGRATED_JOBS.items()}


def test_it_adopts_the_rows_migration_0006_registered_on_an_existing_database() -> None:
    Schedule.objects.filter(name__in=MIGRATED_JOBS).delete()
    migration = importlib.import_module("runbooks.migrations.0006_schedule_approvals_verification")
    migration.schedule(django_apps, None)  # the rows exactly as that migration writes them
    Schedule.objects.filter(name="runbooks.expire_approvals").update(minutes=60)  # drifted since
    registered = dict(Schedule.objects.filter(name__in=MIGRATED_JOBS).values_list("name", "pk"))
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    rows = Schedule.objects.filter(name__in=MIGRATED_JOBS).order_by("name")
    assert [(r.name, r.pk, r.func, r.minutes, r.repeats) for r in rows] == [
        (name, registered[name], MIGRATED_JOBS[name], 1, -1) for name in sorted(MIGRATED_JOBS)
    ]


def test_it_creates_one_schedule_each_on_a_database_without_them() -> None:
    Schedule.objects.filter(name__in=MIGRATED_JOBS).delete()
    upsert_housekeeping_schedules()
    upsert_housekeeping_schedules()
    rows = Schedule.objects.filter(name__in=MIGRATED_JOBS).order_by("name")
    assert [(r.name, r.func) for r in rows] == sorted(MIGRATED_JOBS.items())


def test_it_points_every_job_at_a_task_that_exists() -> None:
    for job in housekeeping_jobs():
        assert callable(import_string(job.func)), job.name
