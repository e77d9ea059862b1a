"""Incident numbers on a hand-built timeline with known answers: the service, the API, the dashboard and its JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from alerts.services.incident_numbers import Window, WindowError, incident_numbers
from runbooks.models import Execution
from tests.factories.alerts import AlertFactory
from tests.factories.rules import DecisionFactory
from tests.factories.runbooks import ExecutionFactory, RunbookFactory, RunbookVersionFactory

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _alert(received: dt.datetime, instance: str, **fields: object):  # type: ignore[no-untyped-def]
    labels = {"alertname": "DiskFull", "instance": instance}
    return AlertFactory(
        first_received_at=received, last_received_at=received, starts_at=received, labels=labels, **fields
    )


def _run(runbook, created: dt.datetime, status: str, **fields: object) -> Execution:  # type: ignore[no-untyped-def]
    run = ExecutionFactory(version=RunbookVersionFactory(runbook=runbook), status=status, **fields)
    Execution.objects.filter(pk=run.pk).update(created_at=created)  # created_at is auto_now_add
    run.refresh_from_db()
    return run


@pytest.fixture
def timeline() -> dt.datetime:
    """Four episodes in the last week (one ignored), one before it, and four runs; returns the reference `now`."""
    now = timezone.now()
    a_at, b_at, c_at = now - dt.timedelta(days=3), now - dt.timedelta(days=2), now - dt.timedelta(hours=30)
    # A: a run started after 2 min (the first response, before the 5 min acknowledgement); resolved after 60 min.
    a = _alert(a_at, "db-1", acknowledged_at=a_at + 5 * MINUTE, status="resolved", resolved_at=a_at + 60 * MINUTE)
    # B: acknowledged after 10 min, still firing.
    b = _alert(b_at, "db-1", acknowledged_at=b_at + 10 * MINUTE)
    # C: nobody answered (its only run was a dry run); resolved after 30 min.
    c = _alert(c_at, "web-1", status="resolved", resolved_at=c_at + 30 * MINUTE)
    # D: ignored by a rule: counted in the volume, never in MTTA or MTTR.
    _alert(now - dt.timedelta(hours=1), "db-1", ignored=True, acknowledged_at=now - 59 * MINUTE)
    # E: received before the window.
    _alert(now - dt.timedelta(days=10), "db-1", acknowledged_at=now - dt.timedelta(days=10) + MINUTE)
    DecisionFactory(alert=a, rule_name="disk")
    DecisionFactory(alert=b, rule_name="disk")
    DecisionFactory(alert=c, rule_name="load")
    clean, restart = RunbookFactory(name="clean-disk"), RunbookFactory(name="restart")
    _run(
        clean,
        a_at + MINUTE,
        "succeeded",
        alert_episode=a,
        approved_at=a_at + 2 * MINUTE,
        started_at=a_at + 2 * MINUTE,
    )
    _run(clean, b_at + MINUTE, "failed", approved_at=b_at + 6 * MINUTE)
    _run(restart, c_at, "rejected")
    _run(clean, c_at, "succeeded", dry_run=True, alert_episode=c, started_at=c_at + MINUTE)
    return now


def test_it_computes_mtta_mttr_and_the_rest_from_stored_times(timeline: dt.datetime) -> None:
    numbers = incident_numbers(days=7, now=timeline)
    assert (numbers["mtta_seconds"], numbers["acknowledged"]) == (360.0, 2)  # mean of 2 min (A) and 10 min (B)
    assert (numbers["mttr_seconds"], numbers["resolved"]) == (2700.0, 2)  # mean of 60 min (A) and 30 min (C)
    assert numbers["approval_wait"] == {"mean_seconds": 180.0, "median_seconds": 180.0, "approved": 2}
    assert numbers["success"] == {"succeeded": 1, "ended": 2, "percent": 50.0}
    assert numbers["top_instances"] == [{"instance": "db-1", "alerts": 3}, {"instance": "web-1", "alerts": 1}]
    assert numbers["by_rule"] == [
        {"rule": "disk", "alerts": 2, "mtta_seconds": 360.0, "acknowledged": 2, "mttr_seconds": 3600.0, "resolved": 1},
        {"rule": "load", "alerts": 1, "mtta_seconds": None, "acknowledged": 0, "mttr_seconds": 1800.0, "resolved": 1},
    ]
    clean, restart = numbers["by_runbook"]
    assert clean == {
        "runbook": "clean-disk",
        "runs": 2,
        "succeeded": 1,
        "ended": 2,
        "success_percent": 50.0,
        "approval_wait_seconds": 180.0,
        "mtta_seconds": 120.0,
        "acknowledged": 1,
        "mttr_seconds": 3600.0,
        "resolved": 1,
    }
    assert restart["runs"] == 1 and restart["success_percent"] is None and restart["mtta_seconds"] is None


def test_it_buckets_the_charts_by_day_in_the_current_time_zone(timeline: dt.datetime) -> None:
    numbers = incident_numbers(days=7, now=timeline)
    volume, outcomes = numbers["alert_volume"], numbers["executions_by_outcome"]
    assert len(volume["labels"]) == 8 and volume["labels"][-1] == timezone.localdate(timeline).isoformat()
    assert sum(volume["received"]) == 4
    day_of_a = (timezone.localdate(timeline) - dt.timedelta(days=3)).isoformat()
    assert volume["received"][volume["labels"].index(day_of_a)] == 1
    assert outcomes["labels"] == volume["labels"]
    totals = {status: sum(counts) for status, counts in outcomes["series"].items()}
    assert totals == {"succeeded": 1, "failed": 1, "error": 0, "cancelled": 0, "rejected": 1, "expired": 0}
    assert outcomes["series"]["succeeded"][outcomes["labels"].index(day_of_a)] == 1
    hourly = incident_numbers(days=1, now=timeline)
    assert hourly["window"]["bucket"] == "hour" and len(hourly["alert_volume"]["labels"]) in (24, 25)
    assert sum(hourly["alert_volume"]["received"]) == 1  # only D, an hour ago


def test_it_refuses_a_window_it_cannot_compute() -> None:
    for days in (0, -1, 91):
        with pytest.raises(WindowError):
            Window.last(days)


def test_the_api_serves_the_same_numbers_to_who_may_see_them(timeline, api_as, viewer, stranger) -> None:  # type: ignore[no-untyped-def]
    api = api_as(viewer)
    body = api.get("/api/v1/incident-numbers/?days=7").json()
    assert (body["mtta_seconds"], body["mttr_seconds"]) == (360.0, 2700.0)
    assert body["by_rule"][0]["rule"] == "disk" and body["success"]["percent"] == 50.0
    for bad in ("0", "91", "abc", "7.5"):
        response = api.get(f"/api/v1/incident-numbers/?days={bad}")
        assert response.status_code == 400 and "days" in response.json()["errors"]
    assert api_as(stranger).get("/api/v1/incident-numbers/").status_code == 403


def test_the_dashboard_shows_the_figures_and_its_json_the_charts(timeline, client: Client, viewer, stranger) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    page = client.get("/?days=7").content.decode()
    assert "6 min 0 s" in page and "45 min 0 s" in page  # MTTA 360 s, MTTR 2700 s
    assert "50 %" in page and "0.5" not in page.split('id="incident-numbers"')[0]
    assert 'id="chart-volume"' in page and "vendor/chartjs/chart.umd.min.js" in page
    data = client.get("/dashboard.json?days=7").json()
    assert data["sections"]["incidents"]["mtta_seconds"] == 360.0
    assert {c["label"] for c in data["counts"]} >= {"Firing alerts", "Workers seen"}
    client.force_login(stranger)
    assert "incidents" not in client.get("/dashboard.json").json()["sections"]
    assert 'id="chart-volume"' not in client.get("/").content.decode()
