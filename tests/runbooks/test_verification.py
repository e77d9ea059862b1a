"""Verification: a successful alert-triggered run checked against the resolution; stats per runbook and rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from runbooks.models import Execution
from runbooks.services.verification import close_overdue
from tests.factories.inventory import ServerFactory
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def rule():  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY)
    return remediate_rule(restart_runbook(verification_window_seconds=600), cooldown_seconds=0)


def _run(post_hook, n: int, status: str, finished_ago: float) -> Execution:  # type: ignore[no-untyped-def]
    post_hook(am_payload("web-1:9100", fingerprint=f"{n:016x}"))
    dispatch_pending()
    execution = Execution.objects.latest("id")
    Execution.objects.filter(pk=execution.pk).update(
        status=status, finished_at=timezone.now() - dt.timedelta(seconds=finished_ago)
    )
    return execution


def test_it_records_whether_the_episode_resolved_within_the_window(post_hook, rule, api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    quick = _run(post_hook, 1, "succeeded", finished_ago=60)
    post_hook(am_payload("web-1:9100", "resolved", fingerprint=f"{1:016x}"))
    slow = _run(post_hook, 2, "succeeded", finished_ago=700)
    post_hook(am_payload("web-1:9100", "resolved", fingerprint=f"{2:016x}"))
    failed = _run(post_hook, 3, "failed", finished_ago=10)
    quick.refresh_from_db(), slow.refresh_from_db(), failed.refresh_from_db()
    assert (quick.resolved_within_window, slow.resolved_within_window) == (True, False)
    assert failed.resolved_within_window is None
    stats = api_as(admin_user).get(f"/api/v1/runbooks/{rule.runbook_id}/stats/").json()
    assert stats["runs"] == 3 and stats["success_rate"] == round(2 / 3, 3)
    assert stats["resolved_within_window_rate"] == 0.5 and stats["median_time_to_resolve_seconds"] is not None
    by_rule = api_as(admin_user).get(f"/api/v1/rules/{rule.pk}/stats/").json()
    assert by_rule["breaker"]["state"] == "closed" and by_rule["success_rate"] == stats["success_rate"]


def test_it_closes_successes_whose_window_passed_unresolved(post_hook, rule) -> None:  # type: ignore[no-untyped-def]
    execution = _run(post_hook, 1, "succeeded", finished_ago=0)
    assert close_overdue(now=timezone.now() + dt.timedelta(seconds=599)) == 0
    assert close_overdue(now=timezone.now() + dt.timedelta(seconds=601)) == 1
    execution.refresh_from_db()
    assert execution.resolved_within_window is False


def test_it_verifies_a_run_that_finishes_after_the_alert_resolved(post_hook, rule) -> None:  # type: ignore[no-untyped-def]
    from runbooks.services.verification import verify_finished

    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    post_hook(am_payload("web-1:9100", "resolved"))
    execution = Execution.objects.get()
    Execution.objects.filter(pk=execution.pk).update(status="succeeded", finished_at=timezone.now())
    assert verify_finished(execution.pk)
    execution.refresh_from_db()
    assert execution.resolved_at is not None and execution.resolved_within_window is True


def test_it_shows_the_stats_on_the_runbook_page(client, post_hook, rule, admin_user) -> None:  # type: ignore[no-untyped-def]
    _run(post_hook, 1, "succeeded", finished_ago=60)
    post_hook(am_payload("web-1:9100", "resolved", fingerprint=f"{1:016x}"))
    client.force_login(admin_user)
    page = client.get(f"/runbooks/{rule.runbook_id}/").content.decode()
    assert "Real runs: 1 · success rate 100.0 % · resolved within 600 s: 100.0 % (1 verified)" in page
