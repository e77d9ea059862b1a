"""The metrics the shipped alert rules read: readiness by check, schedule runs by outcome, open circuit breakers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from runbooks.choices import ScheduleRunStatus
from runbooks.models import ScheduleRun
from tests.factories import RuleFactory
from tests.factories.runbooks import RunbookFactory, RunbookScheduleFactory, execution_of

pytestmark = pytest.mark.django_db


def _scrape() -> str:
    response = Client().get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_it_exports_each_readiness_check_and_a_failing_one_as_0(settings) -> None:  # type: ignore[no-untyped-def]
    assert 'remediation_ready{check="database"} 1.0' in _scrape()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.deploy.test_monitoring_metrics.NoSuchLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        body = _scrape()
    finally:
        channel_layers.backends.clear()
    assert 'remediation_ready{check="channel_layer"} 0.0' in body
    assert 'remediation_ready{check="database"} 1.0' in body


def test_it_counts_schedule_runs_by_outcome() -> None:
    schedule = RunbookScheduleFactory()
    for status in (ScheduleRunStatus.MISSED, ScheduleRunStatus.MISSED, ScheduleRunStatus.STARTED):
        ScheduleRun.objects.create(schedule=schedule, scheduled_for=timezone.now(), status=status)
    body = _scrape()
    assert 'remediation_schedule_runs{status="missed"} 2.0' in body
    assert 'remediation_schedule_runs{status="started"} 1.0' in body


def test_it_counts_remediate_rules_whose_breaker_is_open() -> None:
    runbook = RunbookFactory()
    rule = RuleFactory(action="remediate", runbook=runbook, breaker_threshold=2, breaker_cooloff_seconds=900)
    RuleFactory(action="remediate", runbook=runbook, breaker_threshold=2)  # one failure: still closed
    assert "remediation_breakers_open 0.0" in _scrape()
    now = timezone.now()
    for _ in range(2):
        execution_of({"steps": []}, rule=rule, status="failed", finished_at=now)
    assert "remediation_breakers_open 1.0" in _scrape()
