"""The execution page and list: times, duration, targets by name, who asked and who approved, verification, the
link back to the alert, no Cancel on a finished run; the status filter is a choice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AlertFactory, ServerFactory, UserFactory
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


def _client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_times_targets_people_verification_and_the_alert(viewer) -> None:  # type: ignore[no-untyped-def]
    web, db = ServerFactory(name="web-1"), ServerFactory(name="db-1")
    alert = AlertFactory(alertname="DiskFull")
    execution = execution_of(
        {"steps": []},
        status="succeeded",
        trigger="alert",
        target_ids=[web.pk, db.pk, 9999],
        requested_by=UserFactory(username="alice"),
        approved_by=UserFactory(username="bob"),
        approved_at=START,
        decision_reason="looks right",
        started_at=START,
        finished_at=START + dt.timedelta(minutes=2, seconds=5),
        alert_episode=alert,
        resolved_within_window=True,
        resolved_at=START + dt.timedelta(minutes=3),
    )
    page = _client(viewer).get(reverse("runbooks:execution", args=[execution.pk])).content.decode()
    assert "web-1, db-1, #9999 (deleted)" in page
    assert "by alice" in page and "approved by bob" in page and "looks right" in page
    assert "2026-03-01 12:00:00 UTC" in page and "2026-03-01 12:02:05 UTC" in page and "2 min 05 s" in page
    assert "the alert resolved within" in page
    assert f'href="{reverse("alerts:detail", args=[alert.pk])}"' in page


def test_it_offers_cancel_only_while_the_run_can_still_stop(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(admin_user)
    running = execution_of({"steps": []}, status="running")
    finished = execution_of({"steps": []}, status="failed", started_at=START, finished_at=START)
    assert 'id="cancel-form"' in client.get(reverse("runbooks:execution", args=[running.pk])).content.decode()
    assert 'id="cancel-form"' not in client.get(reverse("runbooks:execution", args=[finished.pk])).content.decode()


def test_it_filters_executions_by_a_status_chosen_from_a_list(viewer) -> None:  # type: ignore[no-untyped-def]
    failed = execution_of({"steps": []}, status="failed")
    succeeded = execution_of({"steps": []}, status="succeeded")
    client = _client(viewer)
    page = client.get(reverse("runbooks:executions"), {"status": "Failed"}).content.decode()
    assert f'href="/runbooks/executions/{failed.pk}/"' in page
    assert f'href="/runbooks/executions/{succeeded.pk}/"' not in page
    assert '<select name="status">' in page and '<option value="failed" selected>Failed</option>' in page
    assert '<option value="awaiting_approval">Awaiting approval</option>' in page
    unknown = client.get(reverse("runbooks:executions"), {"status": "nonsense"}).content.decode()
    assert f'href="/runbooks/executions/{succeeded.pk}/"' in unknown  # an unknown value filters nothing out
