"""Suppressions (kill switch, maintenance windows) and the queue hand-off of analyze / remediate effects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import ActionRequest, Decision
from alerts.services import actions
from alerts.tasks import dispatch_action_request
from remediation.actors import Actor
from remediation.choices import ActionRequestStatus
from remediation.models import AuditEvent
from runbooks.models import MaintenanceWindow
from runbooks.services.maintenance import set_kill_switch
from tests.factories import ActionRequestFactory, MaintenanceWindowFactory, RuleFactory, RuleMatcherFactory
from tests.webhooks import payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def remediate_rule():  # type: ignore[no-untyped-def]
    rule = RuleFactory(name="restart", action="remediate")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    return rule


def test_it_suppresses_remediation_while_the_kill_switch_is_engaged(post_hook, remediate_rule, admin_user) -> None:  # type: ignore[no-untyped-def]
    set_kill_switch(True, reason="incident 42", actor=Actor.of(admin_user))
    post_hook(payload("am_firing_3alerts"))
    assert not ActionRequest.objects.exists()
    decision = Decision.objects.first()
    assert decision.outcome == "suppressed"
    assert decision.suppressions == [
        {
            "rule": "restart",
            "action": "remediate",
            "reason": "kill_switch",
            "detail": "kill switch engaged: incident 42",
        }
    ]
    event = AuditEvent.objects.get(action="kill_switch.changed")
    assert event.after == {"engaged": True, "reason": "incident 42"}


def test_it_suppresses_remediation_in_a_matching_maintenance_window(post_hook, remediate_rule) -> None:  # type: ignore[no-untyped-def]
    window = MaintenanceWindowFactory(
        name="patching", matchers=[{"name": "instance", "op": "=~", "value": "web-00[01].*"}]
    )
    post_hook(payload("am_firing_3alerts"))
    suppressed = Decision.objects.filter(outcome="suppressed")
    assert suppressed.count() == 2  # web-000 and web-001; web-002 is outside the window's scope
    assert suppressed.first().suppressions[0]["detail"] == f"maintenance window 'patching' (id {window.pk})"
    assert ActionRequest.objects.count() == 1


def test_it_ignores_closed_or_disabled_windows(post_hook, remediate_rule) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    MaintenanceWindowFactory(starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=2))
    MaintenanceWindowFactory(enabled=False)
    post_hook(payload("am_firing_3alerts"))
    assert ActionRequest.objects.count() == 3


def test_it_opens_recurring_windows_by_cron_in_their_time_zone() -> None:
    window = MaintenanceWindow(
        name="nightly", kind="recurring", cron="0 2 * * *", duration_minutes=60, timezone="Europe/Berlin"
    )
    window.full_clean()
    berlin_0230 = dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC)  # 02:30 CEST
    berlin_0330 = dt.datetime(2026, 7, 1, 1, 30, tzinfo=dt.UTC)
    utc_0230 = dt.datetime(2026, 7, 1, 2, 30, tzinfo=dt.UTC)  # 04:30 in Berlin
    assert window.is_open(berlin_0230)
    assert not window.is_open(berlin_0330)
    assert not window.is_open(utc_0230)
    assert window.is_open(dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC))  # opens exactly at 02:00


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "recurring", "cron": "every night", "duration_minutes": 60}, "cron"),
        ({"kind": "recurring", "cron": "0 2 * * *", "duration_minutes": None}, "duration_minutes"),
        ({"kind": "recurring", "cron": "0 2 * * *", "duration_minutes": 5, "timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": "one_off"}, "ends_at"),
        ({"kind": "one_off", "matchers": [{"name": "x", "op": "=~", "value": "("}]}, "matchers"),
    ],
)
def test_it_rejects_invalid_windows(fields, field) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        MaintenanceWindow(name="w", **fields).full_clean()
    assert field in caught.value.message_dict


def test_it_enqueues_each_action_request_once_after_commit(
    post_hook, django_capture_on_commit_callbacks, task_queue
) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(action="analyze")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_hook(payload("am_firing_3alerts"))
    assert task_queue() == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        post_hook(payload("am_firing_3alerts"))
    tasks = task_queue()
    assert sorted(t["args"] for t in tasks) == sorted(
        (pk,) for pk in ActionRequest.objects.values_list("id", flat=True)
    )
    assert {t["func"] for t in tasks} == {"alerts.tasks.dispatch_action_request"}
    assert len(tasks) == 3


calls: list[int] = []


def record_call(action_request_id: int) -> None:
    calls.append(action_request_id)


def test_it_dispatches_a_request_to_its_registered_handler_once(hook_registry) -> None:  # type: ignore[no-untyped-def]
    request = ActionRequestFactory(kind="analyze")
    hook_registry.unregister("handler", "analyze")
    assert dispatch_action_request(request.pk) == "no handler registered; left pending"
    request.refresh_from_db()
    assert request.status == ActionRequestStatus.PENDING
    hook_registry.register_handler("analyze", f"{__name__}.record_call")
    calls.clear()
    assert dispatch_action_request(request.pk) == "dispatched"
    assert dispatch_action_request(request.pk) == "already dispatched"  # a redelivered message does nothing
    assert calls == [request.pk]
    assert actions.finish_action_request(request.pk, ok=True, note="analysed")
    request.refresh_from_db()
    assert (request.status, request.note) == (ActionRequestStatus.DONE, "analysed")
    assert not actions.finish_action_request(request.pk, ok=False)
