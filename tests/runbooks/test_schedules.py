"""Runbook schedules with time control: cron in a time zone across DST, missed runs, overlap, pause, sync."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_q.models import Schedule

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Execution, KillSwitch, ScheduleRun
from runbooks.services.definitions import save_runbook
from runbooks.services.schedule_runs import fire_schedule
from runbooks.services.schedules import (
    create_schedule,
    delete_schedule,
    preview,
    rearm_schedules,
    set_schedule_enabled,
    update_schedule,
)
from tests.factories.runbooks import RunbookScheduleFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def runbook(admin_user):  # type: ignore[no-untyped-def]
    return save_runbook({"name": "nightly", "steps": [{"name": "s", "command": "echo ok"}]}, actor=Actor.of(admin_user))


def make(runbook, admin_user, now: dt.datetime, **values):  # type: ignore[no-untyped-def]
    values = {
        "name": "nightly-run",
        "runbook": runbook,
        "cron": "0 2 * * *",
        "timezone": "UTC",
        "dry_run": True,
        **values,
    }
    return create_schedule(actor=Actor.of(admin_user), now=now, **values)


def test_it_reads_cron_in_the_time_zone_across_the_spring_dst_change(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 3, 27, 12), cron="30 3 * * *", timezone="Europe/Berlin")
    runs = preview(schedule, count=3, now=at(2026, 3, 27, 12))
    # 03:30 Berlin is 02:30 UTC under CET (+1) and 01:30 UTC under CEST (+2, from Sunday 29 March 2026).
    assert runs == [at(2026, 3, 28, 2, 30), at(2026, 3, 29, 1, 30), at(2026, 3, 30, 1, 30)]
    assert schedule.next_run_at == at(2026, 3, 28, 2, 30)
    assert Schedule.objects.get(name=schedule.q2_name).next_run == at(2026, 3, 28, 2, 30)


def test_it_reads_cron_in_the_time_zone_across_the_autumn_dst_change(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 10, 23, 12), cron="0 9 * * *", timezone="America/New_York")
    runs = preview(schedule, count=3, now=at(2026, 10, 31, 0))
    # 09:00 New York is 13:00 UTC under EDT and 14:00 UTC under EST (from Sunday 1 November 2026).
    assert runs == [at(2026, 10, 31, 13), at(2026, 11, 1, 14), at(2026, 11, 2, 14)]


def test_it_rejects_a_bad_cron_expression_and_an_unknown_time_zone(runbook, admin_user) -> None:
    with pytest.raises(ValidationError):
        make(runbook, admin_user, at(2026, 1, 1), cron="61 * * * *")
    with pytest.raises(ValidationError):
        make(runbook, admin_user, at(2026, 1, 1), timezone="Mars/Olympus")
    assert not Schedule.objects.filter(name__startswith="runbook-schedule:").exists()


def test_it_runs_on_time_with_the_schedule_trigger_and_arms_the_next_run(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1), params={"x": "1"})
    outcome = fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2, 0, 3))
    execution = Execution.objects.get()
    assert outcome == f"started execution #{execution.pk}"
    assert (execution.trigger, execution.dry_run, execution.params) == ("schedule", True, {"x": "1"})
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(2026, 1, 2, 2) and schedule.last_run_at == at(2026, 1, 1, 2)
    q2 = Schedule.objects.get(name=schedule.q2_name)
    assert (q2.next_run, q2.repeats, q2.schedule_type) == (at(2026, 1, 2, 2), 1, Schedule.ONCE)


def test_it_records_runs_missed_during_an_outage_without_replaying_them(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1), cron="0 * * * *")
    # Workers were down from 00:59 to 03:20: django-q2 (catch_up off) fires once, late, with the old intended time.
    outcome = fire_schedule(schedule.pk, intended=at(2026, 1, 1, 1), now=at(2026, 1, 1, 3, 20))
    assert outcome == "missed 3"
    assert not Execution.objects.exists()
    history = list(ScheduleRun.objects.order_by("scheduled_for").values_list("scheduled_for", "status"))
    assert history == [(at(2026, 1, 1, h), "missed") for h in (1, 2, 3)]
    assert AuditEvent.objects.filter(action="schedule.run_missed").count() == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(2026, 1, 1, 4)  # the next regular run happens normally
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 4), now=at(2026, 1, 1, 4, 0, 1))
    assert Execution.objects.get().trigger == "schedule"


def test_it_still_runs_an_occurrence_within_the_grace_period_after_an_outage(runbook, admin_user, settings) -> None:
    settings.SCHEDULE_MISSED_GRACE_SECONDS = 300
    schedule = make(runbook, admin_user, at(2026, 1, 1), cron="*/5 * * * *")
    assert fire_schedule(schedule.pk, intended=at(2026, 1, 1, 1), now=at(2026, 1, 1, 1, 12)) == "missed 2"
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(2026, 1, 1, 1, 10)  # 2 minutes late: within grace, so it runs
    assert fire_schedule(schedule.pk, intended=at(2026, 1, 1, 1, 10), now=at(2026, 1, 1, 1, 12, 30)).startswith(
        "started"
    )


def test_it_skips_a_run_while_the_previous_one_is_still_going(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1), cron="*/5 * * * *")
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 0, 5), now=at(2026, 1, 1, 0, 5, 1))
    Execution.objects.update(status="running")
    outcome = fire_schedule(schedule.pk, intended=at(2026, 1, 1, 0, 10), now=at(2026, 1, 1, 0, 10, 1))
    assert outcome.startswith("skipped: the previous run")
    assert Execution.objects.count() == 1
    assert ScheduleRun.objects.get(scheduled_for=at(2026, 1, 1, 0, 10)).status == "skipped"
    assert AuditEvent.objects.filter(action="schedule.run_skipped").exists()
    Execution.objects.update(status="succeeded")
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 0, 15), now=at(2026, 1, 1, 0, 15, 1))
    assert Execution.objects.count() == 2


def test_it_allows_overlap_when_the_policy_says_so(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1), cron="*/5 * * * *", overlap_policy="allow")
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 0, 5), now=at(2026, 1, 1, 0, 5, 1))
    Execution.objects.update(status="running")
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 0, 10), now=at(2026, 1, 1, 0, 10, 1))
    assert Execution.objects.count() == 2


def test_it_does_not_fire_a_paused_schedule_and_resumes_from_now(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    set_schedule_enabled(schedule, False, actor=Actor.of(admin_user), now=at(2026, 1, 1, 1))
    assert not Schedule.objects.filter(name=schedule.q2_name).exists()
    assert fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2)) == (
        "paused or deleted: nothing fired"
    )
    assert rearm_schedules(now=at(2026, 1, 1, 3)) == 0
    assert not Execution.objects.exists() and not ScheduleRun.objects.exists()
    set_schedule_enabled(schedule, True, actor=Actor.of(admin_user), now=at(2026, 1, 5, 12))
    assert Schedule.objects.get(name=schedule.q2_name).next_run == at(2026, 1, 6, 2)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"schedule.created", "schedule.paused", "schedule.resumed"} <= actions


def test_it_refuses_a_scheduled_run_while_the_kill_switch_is_engaged(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    KillSwitch.objects.update_or_create(pk=1, defaults={"engaged": True, "reason": "incident"})
    outcome = fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2))
    assert outcome == "refused: kill switch engaged: incident"
    assert not Execution.objects.exists()


def test_it_handles_a_duplicate_delivery_once(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2))
    assert fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2)) == "already handled"
    assert Execution.objects.count() == 1


def test_it_ignores_a_run_queued_before_the_schedule_was_changed(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    update_schedule(schedule, actor=Actor.of(admin_user), now=at(2026, 1, 1), cron="0 4 * * *")
    assert fire_schedule(schedule.pk, intended=at(2026, 1, 1, 2), now=at(2026, 1, 1, 2)).startswith("superseded")
    assert not Execution.objects.exists()


def test_it_updates_and_deletes_the_backing_q2_schedule(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    update_schedule(
        schedule, actor=Actor.of(admin_user), now=at(2026, 1, 1), kind="interval", cron="", interval_minutes=30
    )
    assert Schedule.objects.filter(name=schedule.q2_name).count() == 1
    assert AuditEvent.objects.get(action="schedule.updated").before["kind"] == "cron"
    name = schedule.q2_name
    delete_schedule(schedule, actor=Actor.of(admin_user))
    assert not Schedule.objects.filter(name=name).exists()
    assert AuditEvent.objects.filter(action="schedule.deleted").exists()


def test_it_rearms_a_schedule_whose_q2_row_was_lost(runbook, admin_user) -> None:
    schedule = make(runbook, admin_user, at(2026, 1, 1))
    Schedule.objects.filter(name=schedule.q2_name).delete()
    assert rearm_schedules(now=at(2026, 1, 1, 1)) == 1
    assert Schedule.objects.get(name=schedule.q2_name).next_run == at(2026, 1, 1, 2)
    assert rearm_schedules(now=at(2026, 1, 1, 1)) == 0


def test_it_steps_an_interval_schedule_from_its_creation() -> None:
    schedule = RunbookScheduleFactory.build(kind="interval", cron="", interval_minutes=15, created_at=at(2026, 1, 1))
    assert schedule.next_runs(at(2026, 1, 1, 0, 20), 2) == [at(2026, 1, 1, 0, 30), at(2026, 1, 1, 0, 45)]
