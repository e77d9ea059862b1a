"""Notifications end to end on loopback: routing, severity floor, quiet repeats, signed webhooks, chat shapes, email,
retries with backoff, the secret never stored in the log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from remediation.choices import DeliveryStatus, NotificationEvent
from remediation.models import NotificationDelivery
from remediation.notifications import Event, channels_for, notify
from remediation.notifications.delivery import deliver, send_due
from remediation.notifications.senders import slack_body, teams_body
from runbooks.models import Runbook
from tests.factories.notifications import NotificationChannelFactory
from tests.receivers import SECRET

pytestmark = pytest.mark.django_db

EXAMPLES = {
    NotificationEvent.APPROVAL_REQUESTED: {"execution_id": 7, "requested_by": "olga"},
    NotificationEvent.EXECUTION_FAILED: {"execution_id": 8, "status": "failed"},
    NotificationEvent.EXECUTION_RECOVERED: {"execution_id": 9, "retried_attempts": 2},
    NotificationEvent.BREAKER_OPENED: {"rule": "disk-full"},
    NotificationEvent.BREAKER_CLOSED: {"rule": "disk-full"},
    NotificationEvent.REMEDIATION_SUPPRESSED: {"reason": "kill_switch", "detail": "engaged for the upgrade"},
    NotificationEvent.VERIFICATION_FAILED: {"execution_id": 10, "still_firing": True},
    NotificationEvent.KILL_SWITCH_ENGAGED: {"engaged": True, "reason": "upgrade"},
    NotificationEvent.KILL_SWITCH_RELEASED: {"engaged": False, "reason": "done"},
    NotificationEvent.INVESTIGATION_NEEDS_APPROVAL: {"investigation": "disk on web-1"},
}


def _event(kind: str = NotificationEvent.EXECUTION_FAILED, **fields) -> Event:  # type: ignore[no-untyped-def]
    defaults = {"summary": f"{kind} happened", "dedup_key": "episode:1", "details": EXAMPLES.get(kind, {})}
    return Event(kind=kind, **{**defaults, **fields})


def _deliver_all(now: dt.datetime | None = None) -> list[str]:
    return [deliver(d.pk, now=now) for d in NotificationDelivery.objects.order_by("id")]


@pytest.mark.parametrize("kind", NotificationEvent.values)
def test_it_signs_every_event_kind_and_the_receiver_verifies_it(receiver, kind) -> None:  # type: ignore[no-untyped-def]
    NotificationChannelFactory(url=receiver.url, secret=SECRET, is_default=True)
    link = "http://portal.example/notifications/link/?t=abc"
    notify(_event(kind, link=link, runbook_id=None))
    assert _deliver_all() == [DeliveryStatus.SENT]
    [body] = receiver.verified()
    assert body["event"] == kind and body["summary"] == f"{kind} happened" and body["link"] == link
    assert body["title"] == NotificationEvent(kind).label and body["severity"] in ("info", "warning", "critical")
    assert body["details"] == EXAMPLES[kind] and body["dedup_key"] == "episode:1"
    assert receiver.received[0]["headers"]["X-Remediation-Event"] == kind


def test_a_wrong_secret_fails_the_receivers_check(receiver) -> None:  # type: ignore[no-untyped-def]
    NotificationChannelFactory(url=receiver.url, secret="another-secret", is_default=True)
    notify(_event())
    _deliver_all()
    assert len(receiver.received) == 1 and receiver.verified() == []


def test_it_retries_a_failing_receiver_with_backoff_until_it_answers(receiver, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    receiver.mode = "fail:2"
    NotificationChannelFactory(url=receiver.url, is_default=True)
    [delivery] = notify(_event())
    now = timezone.now()
    assert deliver(delivery.pk, now=now) == DeliveryStatus.QUEUED
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at == now + dt.timedelta(seconds=10)
    assert "HTTP 500" in delivery.last_error
    assert deliver(delivery.pk, now=now) == "not claimed"  # not due yet
    assert deliver(delivery.pk, now=now + dt.timedelta(seconds=10)) == DeliveryStatus.QUEUED
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)  # doubled
    assert deliver(delivery.pk, now=now + dt.timedelta(seconds=30)) == DeliveryStatus.SENT
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert receiver.answers == [500, 500, 200]
    assert deliver(delivery.pk, now=now + dt.timedelta(hours=1)) == "not claimed"  # sent once, never again
    assert receiver.answers.count(200) == 1


def test_it_gives_up_after_the_maximum_attempts(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_MAX_ATTEMPTS, settings.NOTIFY_RETRY_BASE_SECONDS = 2, 1
    NotificationChannelFactory(url="http://127.0.0.1:9/closed", is_default=True)  # port 9: nothing listens
    [delivery] = notify(_event())
    now = timezone.now()
    assert deliver(delivery.pk, now=now) == DeliveryStatus.QUEUED
    assert send_due(now=now + dt.timedelta(seconds=1)) == 1  # the sweeper queues the due retry
    assert deliver(delivery.pk, now=now + dt.timedelta(seconds=1)) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "unreachable" in delivery.last_error and delivery.next_attempt_at is None


def test_the_secret_of_a_chat_url_is_masked_in_the_error(receiver) -> None:  # type: ignore[no-untyped-def]
    secret_url = "http://127.0.0.1:9/services/T000/B000/XXXXtokenXXXX"
    NotificationChannelFactory(kind="slack", url="", secret=secret_url, is_default=True)
    [delivery] = notify(_event())
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.last_error
    assert "XXXXtokenXXXX" not in delivery.last_error and "XXXXtokenXXXX" not in str(delivery.payload)


def test_slack_and_teams_get_their_own_shapes(receiver) -> None:  # type: ignore[no-untyped-def]
    NotificationChannelFactory(kind="slack", url="", secret=receiver.url, is_default=True)
    NotificationChannelFactory(kind="teams", url=receiver.url, secret=None, is_default=True)
    notify(_event(NotificationEvent.APPROVAL_REQUESTED, link="http://portal.example/x"))
    assert _deliver_all() == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    slack, teams = (r["json"] for r in receiver.received)
    assert slack["text"].startswith("[WARNING] Approval requested: approval.requested happened")
    assert slack["blocks"][0]["type"] == "section" and "<http://portal.example/x|" in slack["blocks"][1]["text"]["text"]
    assert teams["@type"] == "MessageCard" and teams["title"] == "[WARNING] Approval requested"
    assert teams["potentialAction"][0]["targets"][0]["uri"] == "http://portal.example/x"
    assert "Open: http://portal.example/x" in teams["text"]  # what Mattermost shows


def test_slack_body_without_a_link_has_one_block() -> None:
    payload = _event().payload()
    assert len(slack_body(payload)["blocks"]) == 1 and "potentialAction" not in teams_body(payload)


def test_it_emails_through_a_real_smtp_server(smtp_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.DEFAULT_FROM_EMAIL = "engine@example.test"
    NotificationChannelFactory(kind="email", url="", secret=None, recipients=["oncall@example.test"], is_default=True)
    notify(_event(NotificationEvent.VERIFICATION_FAILED, link="http://portal.example/y"))
    assert _deliver_all() == [DeliveryStatus.SENT]
    [mail] = smtp_server.messages
    assert mail["from"] == "engine@example.test" and mail["to"] == ["oncall@example.test"]
    assert (
        " ".join(mail["message"]["Subject"].split())
        == "[Remediation Engine] [CRITICAL] Verification failed (alert still firing after the window)"
    )
    assert (
        "verification.failed happened" in mail["message"].get_payload()
        and "http://portal.example/y" in mail["message"].get_payload()
    )


def test_it_routes_by_runbook_and_falls_back_to_the_defaults() -> None:
    default = NotificationChannelFactory(is_default=True)
    routed = NotificationChannelFactory()
    runbook = Runbook.objects.create(name="restart-web")
    runbook.notification_channels.add(routed)
    other = Runbook.objects.create(name="other")
    assert channels_for(_event(runbook_id=runbook.pk)) == [routed]
    assert channels_for(_event(runbook_id=other.pk)) == [default]
    assert channels_for(_event()) == [default]


def test_it_applies_the_severity_floor_and_the_subscribed_events() -> None:
    critical_only = NotificationChannelFactory(is_default=True, severity_floor="critical")
    approvals_only = NotificationChannelFactory(is_default=True, events=[NotificationEvent.APPROVAL_REQUESTED])
    NotificationChannelFactory(is_default=True, enabled=False)
    assert channels_for(_event(NotificationEvent.EXECUTION_FAILED)) == [critical_only]
    assert channels_for(_event(NotificationEvent.APPROVAL_REQUESTED)) == [approvals_only]
    assert channels_for(_event(NotificationEvent.BREAKER_CLOSED)) == []
    assert channels_for(_event(NotificationEvent.BREAKER_CLOSED, severity="critical")) == [critical_only]


def test_it_sends_the_same_event_for_the_same_episode_once_per_interval(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_REPEAT_SECONDS = 600
    NotificationChannelFactory(is_default=True)
    now = timezone.now()
    assert len(notify(_event(), now=now)) == 1
    assert notify(_event(), now=now + dt.timedelta(seconds=599)) == []
    assert len(notify(_event(dedup_key="episode:2"), now=now)) == 1  # another episode
    assert len(notify(_event(NotificationEvent.VERIFICATION_FAILED), now=now)) == 1  # another kind
    assert len(notify(_event(), now=now + dt.timedelta(seconds=600))) == 1  # the interval passed
    assert NotificationDelivery.objects.count() == 4


def test_it_queues_each_delivery_after_commit(django_capture_on_commit_callbacks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[tuple[str, list[int]]] = []
    monkeypatch.setattr("remediation.jobs.enqueue_many_now", lambda task, ids, **kw: sent.append((task, list(ids))))
    NotificationChannelFactory(is_default=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [delivery] = notify(_event())
        assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert sent == [("remediation.tasks.deliver_notification", [delivery.pk])]


def test_retention_purges_ended_deliveries_only(settings) -> None:  # type: ignore[no-untyped-def]
    from remediation.notifications.delivery import purge_deliveries

    settings.RETENTION_EXECUTIONS_DAYS = 30
    channel = NotificationChannelFactory()
    old = timezone.now() - dt.timedelta(days=31)
    for status in ("sent", "failed", "queued"):
        NotificationDelivery.objects.create(
            channel=channel, event="execution.failed", severity="critical", status=status, created_at=old
        )
    NotificationDelivery.objects.create(channel=channel, event="execution.failed", severity="critical", status="sent")
    assert purge_deliveries(timezone.now()) == {"notification_deliveries": 2}
    assert sorted(NotificationDelivery.objects.values_list("status", flat=True)) == ["queued", "sent"]


def test_it_routes_by_rule_together_with_the_runbook(api_as, role_admin) -> None:  # type: ignore[no-untyped-def]
    from tests.factories.rules import RuleFactory

    NotificationChannelFactory(is_default=True)
    by_rule, by_runbook = NotificationChannelFactory(), NotificationChannelFactory()
    runbook = Runbook.objects.create(name="restart-web")
    runbook.notification_channels.add(by_runbook)
    rule = RuleFactory(action="remediate", runbook=runbook)
    response = api_as(role_admin).patch(
        f"/api/v1/rules/{rule.pk}/", {"notification_channels": [by_rule.pk]}, format="json"
    )
    assert response.status_code == 200 and response.json()["notification_channels"] == [by_rule.pk]
    assert channels_for(_event(rule_id=rule.pk)) == [by_rule]
    assert channels_for(_event(rule_id=rule.pk, runbook_id=runbook.pk)) == [by_rule, by_runbook]


def test_secret_looking_text_in_an_event_is_masked_before_it_is_stored() -> None:
    NotificationChannelFactory(is_default=True)
    summary = "step failed: curl -H 'Authorization: Bearer abcdefghijklmnop' password=hunter22"
    [delivery] = notify(_event(summary=summary, details={"api_token": "tok-123456789"}))
    stored = str(NotificationDelivery.objects.get(pk=delivery.pk).payload)
    assert "abcdefghijklmnop" not in stored and "hunter22" not in stored and "tok-123456789" not in stored
    assert "step failed: curl" in stored
