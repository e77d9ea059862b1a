"""The dead-man switch: the product's own alert when the always-firing Watchdog stops arriving, until it returns."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from alerts.services.test_alert import build_test_payload
from alerts.services.watchdog import MISSING, SELF_SOURCE, check_watchdog
from alerts.tasks import check_watchdog as check_watchdog_task
from remediation.services.housekeeping import housekeeping_jobs
from tests.factories import AlertFactory
from tests.webhooks import webhook_token  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def _own() -> list[tuple[str, str]]:
    return list(Alert.objects.filter(source=SELF_SOURCE, alertname=MISSING).values_list("status", "severity"))


def _deliver_watchdog(token: str) -> None:
    body = build_test_payload(alertname="Watchdog", instance="prometheus")
    response = Client().post(
        "/hooks/alertmanager/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 202, response.content


def test_it_stays_quiet_until_a_watchdog_has_arrived() -> None:
    AlertFactory(alertname="DiskFull", last_received_at=timezone.now() - dt.timedelta(hours=2))
    assert check_watchdog() == "not armed: no Watchdog has arrived yet"
    assert _own() == []


def test_it_raises_its_own_alert_once_when_the_watchdog_goes_silent(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WATCHDOG_STALE_SECONDS = 600
    now = timezone.now()
    AlertFactory(alertname="Watchdog", source="prometheus", last_received_at=now - dt.timedelta(seconds=300))
    assert check_watchdog(now=now) == "arriving"
    assert _own() == []

    later = now + dt.timedelta(seconds=301)
    assert check_watchdog(now=later) == "raised"
    assert check_watchdog(now=later + dt.timedelta(minutes=1)) == "missing"
    assert _own() == [("firing", "critical")]
    own = Alert.objects.get(source=SELF_SOURCE)
    assert own.labels == {"alertname": MISSING, "severity": "critical", "watchdog": "Watchdog"}
    assert "stopped arriving" in own.summary


def test_it_resolves_its_alert_when_the_watchdog_comes_back_through_the_webhook(settings, webhook_token) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.WATCHDOG_STALE_SECONDS = 60
    AlertFactory(alertname="Watchdog", source="prometheus", last_received_at=timezone.now() - dt.timedelta(hours=1))
    assert check_watchdog() == "raised"
    _deliver_watchdog(webhook_token)
    assert check_watchdog_task() == "resolved"
    assert _own() == [("resolved", "critical")]
    assert check_watchdog() == "arriving"


def test_it_is_off_without_an_alert_name(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WATCHDOG_ALERTNAME = ""
    AlertFactory(alertname="Watchdog", last_received_at=timezone.now() - dt.timedelta(days=1))
    assert check_watchdog() == "off"
    assert _own() == []


def test_it_runs_every_minute_as_a_housekeeping_job() -> None:
    jobs = {job.name: (job.func, job.minutes) for job in housekeeping_jobs()}
    assert jobs["alerts.check_watchdog"] == ("alerts.tasks.check_watchdog", 1)
