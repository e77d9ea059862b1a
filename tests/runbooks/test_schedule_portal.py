"""Portal schedule pages: list with next/last run, history, pause/resume by permission."""

from __future__ import annotations

import pytest
from django.test import Client

from runbooks.models import RunbookSchedule
from tests.factories.runbooks import RunbookScheduleFactory, ScheduleRunFactory

pytestmark = pytest.mark.django_db


def test_it_lists_schedules_with_their_timing_for_viewers(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    RunbookScheduleFactory(name="nightly-cleanup", cron="30 3 * * *", timezone="Europe/Berlin")
    client.force_login(viewer)
    page = client.get("/runbooks/schedules/").content.decode()
    assert "nightly-cleanup" in page and "Europe/Berlin" in page


def test_it_shows_history_including_missed_runs(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    run = ScheduleRunFactory(status="missed", reason="workers were down at the intended time")
    client.force_login(viewer)
    page = client.get(f"/runbooks/schedules/{run.schedule_id}/").content.decode()
    assert "Missed (workers were down)" in page and "Pause" not in page


def test_it_lets_admins_pause_and_refuses_viewers(client: Client, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    schedule = RunbookScheduleFactory()
    client.force_login(viewer)
    assert client.post(f"/runbooks/schedules/{schedule.pk}/toggle/").status_code == 403
    client.force_login(admin_user)
    assert client.post(f"/runbooks/schedules/{schedule.pk}/toggle/").status_code == 302
    assert RunbookSchedule.objects.get(pk=schedule.pk).enabled is False
