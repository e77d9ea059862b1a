"""Retention removes exactly what is older than each setting and nothing newer; purge_old_data runs it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from alerts.models import Alert
from remediation.models import AuditEvent
from remediation.services.retention import purge_old_data, registered_purgers
from runbooks.models import Execution, ScheduleRun, StepRun
from tests.factories.alerts import AlertFactory
from tests.factories.runbooks import ExecutionFactory, ScheduleRunFactory, StepRunFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def days_ago(days: float, seconds: int = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, seconds=seconds)


@pytest.fixture
def retention(settings):  # type: ignore[no-untyped-def]
    settings.RETENTION_ALERTS_DAYS = 10
    settings.RETENTION_EXECUTIONS_DAYS = 20
    settings.RETENTION_STEP_OUTPUT_DAYS = 5
    return settings


def test_it_purges_alerts_older_than_the_setting_and_keeps_newer_and_open_ones(retention) -> None:
    old = AlertFactory(status="resolved", last_received_at=days_ago(10, 1))
    edge = AlertFactory(status="resolved", last_received_at=days_ago(10))
    open_old = AlertFactory(status="firing", last_received_at=days_ago(30))
    removed = purge_old_data(now=NOW)
    assert removed["alerts"] == 1
    assert set(Alert.objects.values_list("pk", flat=True)) == {edge.pk, open_old.pk}
    assert not Alert.objects.filter(pk=old.pk).exists()


def test_it_purges_finished_executions_older_than_the_setting_only(retention) -> None:
    old = ExecutionFactory(status="succeeded")
    newer = ExecutionFactory(status="failed")
    running = ExecutionFactory(status="running")
    Execution.objects.filter(pk__in=[old.pk, running.pk]).update(created_at=days_ago(20, 1))
    Execution.objects.filter(pk=newer.pk).update(created_at=days_ago(19))
    StepRunFactory(execution=old)
    assert purge_old_data(now=NOW)["executions"] == 1
    assert set(Execution.objects.values_list("pk", flat=True)) == {newer.pk, running.pk}
    assert not StepRun.objects.filter(execution_id=old.pk).exists()


def test_it_clears_old_step_output_and_keeps_the_rows_and_newer_output(retention) -> None:
    old = StepRunFactory(stdout="secret-ish", stderr="err", started_at=days_ago(5, 1))
    newer = StepRunFactory(stdout="fresh", started_at=days_ago(4))
    assert purge_old_data(now=NOW)["step_outputs"] == 1
    old.refresh_from_db()
    newer.refresh_from_db()
    assert (old.stdout, old.stderr, newer.stdout) == ("", "", "fresh")


def test_it_keeps_everything_when_a_setting_is_zero(retention) -> None:
    retention.RETENTION_ALERTS_DAYS = 0
    AlertFactory(status="resolved", last_received_at=days_ago(3000))
    assert purge_old_data(now=NOW)["alerts"] == 0
    assert Alert.objects.count() == 1


def test_it_purges_schedule_history_with_executions(retention) -> None:
    ScheduleRunFactory(scheduled_for=days_ago(20, 1), status="missed")
    kept = ScheduleRunFactory(scheduled_for=days_ago(19), status="missed")
    assert purge_old_data(now=NOW)["schedule_runs"] == 1
    assert list(ScheduleRun.objects.values_list("pk", flat=True)) == [kept.pk]


def test_it_finds_purgers_through_app_configs_and_audits_the_run(retention, capsys) -> None:
    assert "alerts.retention.purge_alerts" in registered_purgers()
    call_command("purge_old_data")
    assert "alerts: 0" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="retention.purged")
    assert event.actor_label == "manage.py purge_old_data" and event.after["removed"]["alerts"] == 0


def test_it_purges_terminal_recordings_through_the_terminal_apps_purger(retention) -> None:
    assert "terminal.retention.purge_recordings" in registered_purgers()
    assert purge_old_data(now=NOW)["recordings"] == 0
