"""Where notifications come from: each place in runbooks and alerts that causes an event stores its delivery
(routed, with its payload), and a receiver that never answers does not hold up an execution."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from remediation.actors import Actor
from remediation.choices import DeliveryStatus, NotificationEvent
from remediation.models import NotificationDelivery, TerminalGrant
from remediation.notifications.delivery import deliver
from remediation.notifications.links import open_link
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services.execute import request_execution
from runbooks.services.maintenance import set_kill_switch
from runbooks.services.runner import run_execution
from runbooks.services.verification import close_overdue
from tests.factories.inventory import ServerFactory
from tests.factories.notifications import NotificationChannelFactory
from tests.factories.rules import RuleFactory
from tests.factories.runbooks import execution_of, step
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def channel():  # type: ignore[no-untyped-def]
    return NotificationChannelFactory(is_default=True)


def _sent(kind: str) -> list[NotificationDelivery]:
    return list(NotificationDelivery.objects.filter(event=kind).order_by("id"))


def test_an_approval_request_notifies_with_a_signed_link_to_its_card(channel, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1", host_key=KEY)
    runbook = restart_runbook(requires_approval=True)
    TerminalGrant.objects.create(user=operator, server=server)
    execution = request_execution(
        runbook, actor=Actor.of(operator), params={"service": "nginx"}, target_ids=[server.pk]
    )
    assert execution.status == ExecutionStatus.AWAITING_APPROVAL
    [delivery] = _sent(NotificationEvent.APPROVAL_REQUESTED)
    payload = delivery.payload
    assert (
        payload["details"]["execution_id"] == execution.pk and payload["details"]["requested_by"] == operator.username
    )
    assert delivery.dedup_key == f"execution:{execution.pk}" and payload["runbook_id"] == runbook.pk
    token = parse_qs(urlsplit(payload["link"]).query)["t"][0]
    assert open_link(token) == f"/runbooks/approvals/#approval-{execution.pk}"


def test_a_failed_run_and_a_run_saved_by_retries_notify(channel, script_executor) -> None:  # type: ignore[no-untyped-def]
    failing = execution_of({"steps": [step("a", kind="script", command="fail")]})
    run_execution(failing.pk)
    [failed] = _sent(NotificationEvent.EXECUTION_FAILED)
    assert failed.payload["details"]["execution_id"] == failing.pk and failed.payload["severity"] == "critical"
    flaky = step("a", kind="script", command="flaky:1", retries=2, retry_on_failure=True, retry_backoff_seconds=0.01)
    saved = execution_of({"steps": [flaky]})
    run_execution(saved.pk)
    [recovered] = _sent(NotificationEvent.EXECUTION_RECOVERED)
    assert recovered.payload["details"] == {
        **recovered.payload["details"],
        "execution_id": saved.pk,
        "retried_attempts": 1,
    }
    ok = execution_of({"steps": [step("a", kind="script", command="ok")]})
    run_execution(ok.pk)
    assert NotificationDelivery.objects.count() == 2  # a plain success tells no one


def test_a_rule_breaker_opening_and_closing_notifies(channel, script_executor) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(action="remediate", breaker_threshold=1)
    failing = execution_of({"steps": [step("a", kind="script", command="fail")]}, rule=rule, trigger="alert")
    run_execution(failing.pk)
    [opened] = _sent(NotificationEvent.BREAKER_OPENED)
    assert opened.payload["rule_id"] == rule.pk and opened.dedup_key == f"breaker:rule:{rule.pk}"
    fixed = execution_of({"steps": [step("a", kind="script", command="ok")]}, rule=rule, trigger="alert")
    run_execution(fixed.pk)
    [closed] = _sent(NotificationEvent.BREAKER_CLOSED)
    assert closed.payload["details"]["execution_id"] == fixed.pk


def test_the_kill_switch_notifies_when_engaged_and_released(channel, admin_user) -> None:  # type: ignore[no-untyped-def]
    set_kill_switch(True, reason="database upgrade", actor=Actor.of(admin_user))
    set_kill_switch(True, reason="still upgrading", actor=Actor.of(admin_user))  # no change of state: no message
    set_kill_switch(False, reason="done", actor=Actor.of(admin_user))
    [engaged] = _sent(NotificationEvent.KILL_SWITCH_ENGAGED)
    [released] = _sent(NotificationEvent.KILL_SWITCH_RELEASED)
    assert engaged.payload["details"] == {"engaged": True, "reason": "database upgrade", "by": admin_user.username}
    assert released.payload["summary"] == f"kill switch released by {admin_user.username}: done"


def test_a_suppressed_remediation_and_a_failed_verification_notify(channel, post_hook, admin_user) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY)
    remediate_rule(restart_runbook(verification_window_seconds=600), cooldown_seconds=0)
    set_kill_switch(True, reason="incident", actor=Actor.of(admin_user))
    post_hook(am_payload("web-1:9100", fingerprint=f"{1:016x}"))
    [suppressed] = _sent(NotificationEvent.REMEDIATION_SUPPRESSED)
    assert suppressed.payload["details"]["reason"] == "kill_switch"
    assert suppressed.payload["details"]["detail"] == "kill switch engaged: incident"
    set_kill_switch(False, reason="over", actor=Actor.of(admin_user))
    post_hook(am_payload("web-1:9100", fingerprint=f"{2:016x}"))
    dispatch_pending()
    execution = Execution.objects.latest("id")
    Execution.objects.filter(pk=execution.pk).update(status="succeeded", finished_at=timezone.now())
    assert close_overdue(now=timezone.now() + dt.timedelta(seconds=601)) == 1
    [unverified] = _sent(NotificationEvent.VERIFICATION_FAILED)
    assert unverified.payload["details"]["still_firing"] is True
    assert unverified.dedup_key == f"episode:{execution.alert_episode_id}"


def test_a_receiver_that_never_answers_does_not_hold_up_an_execution(  # type: ignore[no-untyped-def]
    receiver, settings, script_executor, record_property
) -> None:
    settings.NOTIFY_TIMEOUT_SECONDS = 1.0
    receiver.mode = "hang"  # accepts the connection, reads the request, never answers
    execution = execution_of({"steps": [step("a", kind="script", command="fail")]})
    hanging = NotificationChannelFactory(url=receiver.url)
    execution.runbook.notification_channels.add(hanging)
    started = time.monotonic()
    assert run_execution(execution.pk) == ExecutionStatus.FAILED
    ran = time.monotonic() - started
    [delivery] = _sent(NotificationEvent.EXECUTION_FAILED)
    assert delivery.channel == hanging and delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0
    started = time.monotonic()
    assert deliver(delivery.pk) == DeliveryStatus.QUEUED  # the worker's attempt times out and is retried later
    attempted = time.monotonic() - started
    record_property("execution_seconds", round(ran, 3))
    record_property("delivery_attempt_seconds", round(attempted, 3))
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "timed out" in delivery.last_error


def test_a_run_whose_worker_died_notifies_as_failed(channel) -> None:  # type: ignore[no-untyped-def]
    from runbooks.services.execute import reap_expired_leases

    past = timezone.now() - dt.timedelta(seconds=5)
    dead = execution_of({"steps": []}, status="running", lease_owner="w:1", lease_expires_at=past, heartbeat_at=past)
    assert reap_expired_leases() == 1
    [failed] = _sent(NotificationEvent.EXECUTION_FAILED)
    assert failed.payload["details"]["execution_id"] == dead.pk and failed.payload["details"]["status"] == "error"
    assert "stopped renewing its lease" in failed.payload["summary"]


def test_an_admin_resetting_an_open_breaker_notifies_it_closed(channel, script_executor, admin_user) -> None:  # type: ignore[no-untyped-def]
    from alerts.services.remediate import reset_breaker

    rule = RuleFactory(action="remediate", breaker_threshold=1)
    run_execution(execution_of({"steps": [step("a", kind="script", command="fail")]}, rule=rule, trigger="alert").pk)
    reset_breaker(rule, actor=Actor.of(admin_user), reason="disk cleaned by hand")
    [closed] = _sent(NotificationEvent.BREAKER_CLOSED)
    assert closed.payload["details"] == {"rule": rule.name, "reset": True}
    assert closed.payload["summary"].endswith(f"closed by {admin_user.username}: disk cleaned by hand")
    reset_breaker(rule, actor=Actor.of(admin_user), reason="again")  # already closed: nothing to tell
    assert len(_sent(NotificationEvent.BREAKER_CLOSED)) == 1
