"""Schedule API and admin: permissions, validation, next-run preview, pause/resume, history, query budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_q.models import Schedule

from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import RunbookSchedule
from runbooks.services.definitions import save_runbook
from tests.factories.runbooks import RunbookScheduleFactory, ScheduleRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def runbook(admin_user):  # type: ignore[no-untyped-def]
    return save_runbook(
        {"name": "rotate-logs", "steps": [{"name": "s", "command": "echo ok"}]}, actor=Actor.of(admin_user)
    )


def body(**values: object) -> dict[str, object]:
    return {
        "name": "nightly",
        "runbook": "rotate-logs",
        "cron": "30 3 * * *",
        "timezone": "Europe/Berlin",
        "dry_run": True,
        **values,
    }


def test_it_creates_a_schedule_with_a_preview_and_a_backing_q2_row(api_as, admin_user, runbook) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).post("/api/v1/schedules/", body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert len(data["next_runs"]) == 5 and data["next_run_at"]
    assert all(dt.datetime.fromisoformat(t).minute == 30 for t in data["next_runs"])
    assert Schedule.objects.filter(name=f"runbook-schedule:{data['id']}").count() == 1
    assert AuditEvent.objects.filter(action="schedule.created", actor=admin_user).exists()


def test_it_returns_field_errors_for_a_bad_cron_time_zone_or_missing_interval(api_as, admin_user, runbook) -> None:  # type: ignore[no-untyped-def]
    client = api_as(admin_user)
    assert "cron" in client.post("/api/v1/schedules/", body(cron="* * *"), format="json").json()["errors"]
    response = client.post("/api/v1/schedules/", body(timezone="Nowhere/City"), format="json")
    assert "timezone" in response.json()["errors"]
    response = client.post("/api/v1/schedules/", body(kind="interval", cron=""), format="json")
    assert response.status_code == 400 and "interval_minutes" in response.json()["errors"]
    assert not RunbookSchedule.objects.exists()


def test_it_pauses_and_resumes_through_the_api(api_as, admin_user, runbook) -> None:  # type: ignore[no-untyped-def]
    client = api_as(admin_user)
    schedule_id = client.post("/api/v1/schedules/", body(), format="json").json()["id"]
    paused = client.post(f"/api/v1/schedules/{schedule_id}/pause/").json()
    assert paused["enabled"] is False and paused["next_run_at"] is None
    assert not Schedule.objects.filter(name=f"runbook-schedule:{schedule_id}").exists()
    resumed = client.post(f"/api/v1/schedules/{schedule_id}/resume/").json()
    assert resumed["enabled"] is True and resumed["next_run_at"]
    assert client.delete(f"/api/v1/schedules/{schedule_id}/").status_code == 204
    assert not Schedule.objects.filter(name=f"runbook-schedule:{schedule_id}").exists()


def test_it_lets_viewers_read_but_not_write(api_as, viewer, runbook) -> None:  # type: ignore[no-untyped-def]
    RunbookScheduleFactory(runbook=runbook)
    client = api_as(viewer)
    assert client.get("/api/v1/schedules/").status_code == 200
    assert client.post("/api/v1/schedules/", body(), format="json").status_code == 403
    assert api_as(None).get("/api/v1/schedules/").status_code == 401


def test_it_shows_history_and_lists_in_a_fixed_number_of_queries(api_as, viewer, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    run = ScheduleRunFactory(status="missed", reason="workers were down")
    for _ in range(5):
        RunbookScheduleFactory(enabled=False)
    client = api_as(viewer)
    history = client.get(f"/api/v1/schedules/{run.schedule_id}/history/").json()["results"]
    assert [(h["status"], h["reason"]) for h in history] == [("missed", "workers were down")]
    with django_assert_max_num_queries(4):  # permissions (2), page, runbooks joined
        assert len(client.get("/api/v1/schedules/").json()["results"]) == 6


def test_it_saves_admin_changes_through_the_service(client: Client, admin_user, runbook) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    form = {
        "name": "from-admin",
        "runbook": runbook.pk,
        "kind": "cron",
        "cron": "0 * * * *",
        "timezone": "UTC",
        "params": "{}",
        "target_ids": "[]",
        "enabled": "on",
        "overlap_policy": "skip",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/runbooks/runbookschedule/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = RunbookSchedule.objects.get(name="from-admin")
    assert schedule.next_run_at and Schedule.objects.filter(name=schedule.q2_name).exists()
    assert AuditEvent.objects.filter(action="schedule.created").count() == 1
