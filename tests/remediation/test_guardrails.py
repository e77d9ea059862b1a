"""Guardrails: each blocks with its reason recorded on the decision, and releases when it should (time passed in)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import ActionRequest, Decision
from alerts.services.remediate import breaker_of, reset_breaker, start_remediation
from remediation.actors import Actor
from runbooks.models import Execution, KillSwitch
from runbooks.services.maintenance import set_kill_switch
from tests.factories.inventory import ServerFactory
from tests.factories.rules import MaintenanceWindowFactory
from tests.remediation.remediate import am_payload, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def fire(post_hook):  # type: ignore[no-untyped-def]
    """fire(n, now) → a new episode (fingerprint n) decided by the pipeline at `now`; returns the outcome."""
    ServerFactory(name="web-1", host_key=KEY)

    def fire(n: int, now: dt.datetime, between=None):  # type: ignore[no-untyped-def]
        post_hook(am_payload("web-1:9100", fingerprint=f"{n:016x}"))
        if between is not None:
            between()  # something changes between the decision and the worker's hand-off
        request = ActionRequest.objects.filter(status="pending").latest("id")
        request.status = "dispatched"
        request.save()
        return start_remediation(request.pk, now=now)

    return fire


def _reasons() -> list[str]:
    return [s["reason"] for d in Decision.objects.order_by("id") for s in d.suppressions]


def _finish(final: str, at: dt.datetime, **filters: object) -> None:
    Execution.objects.filter(**filters).update(status=final, finished_at=at)


def test_it_cools_down_per_rule_and_target_then_releases(fire) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), cooldown_seconds=600)
    now = timezone.now()
    assert fire(1, now).execution_id
    _finish("succeeded", now)
    now = Execution.objects.get().created_at  # the cooldown runs from when the run was requested
    blocked = fire(2, now + dt.timedelta(seconds=599))
    assert blocked.reason == "cooldown" and "cooling down until" in blocked.note
    assert _reasons() == ["cooldown"]
    assert fire(3, now + dt.timedelta(seconds=601)).execution_id


def test_it_caps_executions_per_hour_then_releases(fire) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), cooldown_seconds=0, max_per_hour=2)
    now = timezone.now()
    for n in (1, 2):
        assert fire(n, now).execution_id
        _finish("succeeded", now)
    blocked = fire(3, now)
    assert blocked.reason == "rate_limit" and "2 executions in the last hour (max 2)" in blocked.note
    latest = Execution.objects.latest("created_at").created_at
    assert fire(4, latest + dt.timedelta(hours=1, seconds=1)).execution_id


def test_it_opens_the_breaker_half_opens_one_trial_and_closes_on_success(fire, admin_user) -> None:  # type: ignore[no-untyped-def]
    rule = remediate_rule(
        restart_runbook(),
        cooldown_seconds=0,
        max_per_hour=0,
        breaker_threshold=2,
        breaker_window_seconds=3600,
        breaker_cooloff_seconds=600,
    )
    now = timezone.now()
    for n in (1, 2):
        fire(n, now)
        _finish("failed", now, rule=rule, status="pending")
    assert fire(3, now + dt.timedelta(seconds=1)).reason == "breaker_open"
    assert breaker_of(rule, now=now + dt.timedelta(seconds=1))["state"] == "open"
    half = now + dt.timedelta(seconds=601)
    assert breaker_of(rule, now=half)["state"] == "half_open"
    trial = fire(4, half)
    assert trial.execution_id
    second = fire(5, half)
    assert second.reason == "breaker_open" and f"trial execution #{trial.execution_id}" in second.note
    _finish("succeeded", half + dt.timedelta(seconds=5), pk=trial.execution_id)
    later = half + dt.timedelta(seconds=6)
    assert breaker_of(rule, now=later)["state"] == "closed"
    assert fire(6, later).execution_id


def test_it_ignores_dry_runs_and_cancellations_and_admins_can_reset(fire, admin_user) -> None:  # type: ignore[no-untyped-def]
    rule = remediate_rule(restart_runbook(), cooldown_seconds=0, max_per_hour=0, breaker_threshold=1)
    now = timezone.now()
    fire(1, now)
    _finish("cancelled", now, rule=rule)
    assert breaker_of(rule, now=now)["state"] == "closed"
    Execution.objects.filter(rule=rule).update(dry_run=True, status="failed")
    assert breaker_of(rule, now=now)["state"] == "closed"
    Execution.objects.filter(rule=rule).update(dry_run=False)
    assert breaker_of(rule, now=now + dt.timedelta(seconds=1))["state"] == "open"
    reset_breaker(rule, actor=Actor.of(admin_user), reason="fixed the disk")
    assert breaker_of(rule)["state"] == "closed"
    from remediation.models import AuditEvent

    assert AuditEvent.objects.get(action="rule.breaker_reset").reason == "fixed the disk"
    assert fire(2, timezone.now()).execution_id


def test_it_stops_for_a_maintenance_window_until_it_ends(fire) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook())
    now = timezone.now()
    MaintenanceWindowFactory(
        name="patching", starts_at=now + dt.timedelta(minutes=1), ends_at=now + dt.timedelta(minutes=10)
    )
    blocked = fire(1, now + dt.timedelta(minutes=2))  # opened between the decision and the hand-off: re-checked
    assert blocked.reason == "maintenance" and "'patching'" in blocked.note and _reasons() == ["maintenance"]
    assert fire(2, now + dt.timedelta(minutes=11)).execution_id


def test_it_stops_while_the_kill_switch_is_engaged(fire, admin_user) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook())
    now = timezone.now()
    engage = lambda: set_kill_switch(True, reason="incident 42", actor=Actor.of(admin_user))  # noqa: E731
    blocked = fire(1, now, between=engage)
    assert blocked.reason == "kill_switch" and "incident 42" in blocked.note and _reasons() == ["kill_switch"]
    set_kill_switch(False, reason="over", actor=Actor.of(admin_user))
    assert KillSwitch.objects.get().engaged is False
    assert fire(2, now).execution_id


def test_it_reopens_the_breaker_when_the_trial_fails_after_the_old_failures_left_the_window(fire) -> None:  # type: ignore[no-untyped-def]
    rule = remediate_rule(
        restart_runbook(),
        cooldown_seconds=0,
        max_per_hour=0,
        breaker_threshold=2,
        breaker_window_seconds=600,
        breaker_cooloff_seconds=300,
    )
    start = timezone.now()

    def run(n: int, at: dt.datetime, final: str, finished: dt.datetime) -> None:
        outcome = fire(n, at)
        assert outcome.execution_id, outcome.note
        Execution.objects.filter(pk=outcome.execution_id).update(created_at=at, status=final, finished_at=finished)

    run(1, start, "failed", start)
    run(2, start, "failed", start)
    assert fire(3, start + dt.timedelta(seconds=1)).reason == "breaker_open"
    run(4, start + dt.timedelta(seconds=301), "failed", start + dt.timedelta(seconds=700))  # the half-open trial
    after = start + dt.timedelta(seconds=701)  # the window (600 s) no longer holds the first two failures
    state = breaker_of(rule, now=after)
    assert state["state"] == "open" and state["half_opens_at"] == start + dt.timedelta(seconds=1000)
    blocked = fire(5, after)
    assert blocked.reason == "breaker_open" and "half-opens at" in blocked.note
    assert _reasons() == ["breaker_open", "breaker_open"]
    assert breaker_of(rule, now=start + dt.timedelta(seconds=1001))["state"] == "half_open"
    run(6, start + dt.timedelta(seconds=1001), "succeeded", start + dt.timedelta(seconds=1002))
    assert breaker_of(rule, now=start + dt.timedelta(seconds=1003))["state"] == "closed"
    assert fire(7, start + dt.timedelta(seconds=1003)).execution_id


def test_it_keeps_a_tripped_breaker_half_open_until_a_trial_succeeds(fire) -> None:  # type: ignore[no-untyped-def]
    rule = remediate_rule(
        restart_runbook(),
        cooldown_seconds=0,
        max_per_hour=0,
        breaker_threshold=2,
        breaker_window_seconds=600,
        breaker_cooloff_seconds=300,
    )
    start = timezone.now()
    for n in (1, 2):
        fire(n, start)
    _finish("failed", start, rule=rule)
    much_later = start + dt.timedelta(hours=5)  # the failures left the window long ago: no success closed it
    assert breaker_of(rule, now=much_later)["state"] == "half_open"
    first = Execution.objects.filter(rule=rule).earliest("id")
    Execution.objects.filter(pk=first.pk).update(finished_at=start - dt.timedelta(seconds=700))
    assert breaker_of(rule, now=start)["state"] == "closed"  # 2 failures never inside one window: never tripped
