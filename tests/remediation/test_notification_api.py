"""Channels over the API and in the admin: the secret is write-only and never returned or audited in clear; every
change is audited; the delivery log is read-only and filters by status, channel and event."""

from __future__ import annotations

import pytest

from remediation.models import AuditEvent, NotificationChannel, NotificationDelivery
from remediation.models.secrets import unseal
from tests.factories.notifications import NotificationChannelFactory

pytestmark = pytest.mark.django_db
SECRET = "whsec-never-shown-back-0001"


def test_it_creates_a_channel_with_a_write_only_secret(api_as, role_admin) -> None:  # type: ignore[no-untyped-def]
    api = api_as(role_admin)
    body = {"name": "ops hook", "kind": "webhook", "url": "http://127.0.0.1:8999/hook", "secret": SECRET}
    response = api.post("/api/v1/notification-channels/", {**body, "events": ["approval.requested"]}, format="json")
    assert response.status_code == 201, response.content
    assert SECRET not in response.content.decode() and response.json()["secret_stored"] is True
    channel = NotificationChannel.objects.get()
    assert unseal(channel.secret) == SECRET and channel.events == ["approval.requested"]
    listed = api.get("/api/v1/notification-channels/").content.decode()
    assert SECRET not in listed and "secret_stored" in listed
    patched = api.patch(f"/api/v1/notification-channels/{channel.pk}/", {"enabled": False}, format="json")
    assert patched.status_code == 200 and unseal(NotificationChannel.objects.get().secret) == SECRET  # kept
    api.patch(f"/api/v1/notification-channels/{channel.pk}/", {"secret": "rotated-secret-0002"}, format="json")
    assert api.delete(f"/api/v1/notification-channels/{channel.pk}/").status_code == 204
    events = AuditEvent.objects.filter(action__startswith="notification_channel.").order_by("id")
    assert [e.action for e in events] == [
        "notification_channel.created",
        "notification_channel.updated",
        "notification_channel.updated",
        "notification_channel.deleted",
    ]
    audited = str([(e.before, e.after) for e in events])
    assert SECRET not in audited and "rotated-secret-0002" not in audited and "'changed': ['secret']" in audited


def test_bad_input_is_refused_and_nothing_changes(api_as, role_admin) -> None:  # type: ignore[no-untyped-def]
    api = api_as(role_admin)
    unsigned = {"name": "x", "kind": "webhook", "url": "http://127.0.0.1:1/"}
    assert "secret" in api.post("/api/v1/notification-channels/", unsigned, format="json").json()["errors"]
    no_mail = {"name": "y", "kind": "email", "recipients": ["not an address"]}
    assert "recipients" in api.post("/api/v1/notification-channels/", no_mail, format="json").json()["errors"]
    unknown = {"name": "z", "kind": "slack", "secret": "http://127.0.0.1:1/x", "events": ["nope"]}
    assert api.post("/api/v1/notification-channels/", unknown, format="json").status_code == 400
    assert NotificationChannel.objects.count() == 0 and not AuditEvent.objects.filter(action__contains="channel")


def test_the_delivery_log_is_read_only_and_filters(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    one, two = NotificationChannelFactory(), NotificationChannelFactory()
    for channel, status in ((one, "sent"), (one, "failed"), (two, "failed")):
        NotificationDelivery.objects.create(
            channel=channel, event="execution.failed", severity="critical", status=status
        )
    api = api_as(viewer)
    assert api.get("/api/v1/notification-deliveries/").json()["count"] == 3
    failed = api.get("/api/v1/notification-deliveries/", {"status": "failed", "channel": one.pk}).json()
    assert [(d["channel"], d["status"]) for d in failed["results"]] == [(one.pk, "failed")]
    assert api.get("/api/v1/notification-deliveries/", {"channel": "x"}).status_code == 400
    assert api.post("/api/v1/notification-deliveries/", {}, format="json").status_code in (403, 405)


def test_the_admin_never_shows_the_secret_back(client, admin_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    channel = NotificationChannelFactory(secret=SECRET)
    page = client.get(f"/admin/remediation/notificationchannel/{channel.pk}/change/").content.decode()
    assert SECRET not in page and "Secret stored" in page
    form = {
        "name": channel.name,
        "kind": "webhook",
        "url": channel.url,
        "recipients": "[]",
        "enabled": "on",
        "severity_floor": "warning",
        "secret_value": "",
    }
    response = client.post(f"/admin/remediation/notificationchannel/{channel.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    channel.refresh_from_db()
    assert channel.severity_floor == "warning" and unseal(channel.secret) == SECRET
    assert AuditEvent.objects.filter(action="notification_channel.updated").count() == 1


def test_a_signed_webhook_needs_its_url_and_a_chat_hook_an_address(api_as, role_admin) -> None:  # type: ignore[no-untyped-def]
    api = api_as(role_admin)
    no_url = api.post("/api/v1/notification-channels/", {"name": "a", "kind": "webhook", "secret": "s"}, format="json")
    assert "url" in no_url.json()["errors"]
    bare_chat = api.post("/api/v1/notification-channels/", {"name": "b", "kind": "teams"}, format="json")
    assert "url" in bare_chat.json()["errors"] and NotificationChannel.objects.count() == 0
