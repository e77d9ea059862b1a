"""The kill switch in the portal: a toggle that asks why, and a banner on every page while it or a window is open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from remediation.models import AuditEvent
from runbooks.models import KillSwitch
from tests.factories.rules import MaintenanceWindowFactory

pytestmark = pytest.mark.django_db


def test_it_engages_only_with_a_reason_and_shows_a_banner_everywhere(client: Client, role_admin, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(role_admin)
    page = client.get("/runbooks/kill-switch/").content.decode()
    assert "Engage the kill switch" in page and 'class="banner' not in page
    refused = client.post("/runbooks/kill-switch/", {"engaged": "1", "reason": "  "})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    assert not KillSwitch.objects.filter(engaged=True).exists()
    assert client.post("/runbooks/kill-switch/", {"engaged": "1", "reason": "db failover"}).status_code == 302
    assert KillSwitch.objects.get(pk=1).engaged
    assert AuditEvent.objects.filter(action="kill_switch.changed", reason="db failover").exists()
    client.force_login(viewer)
    for path in ("/", "/alerts/", "/runbooks/", "/runbooks/executions/"):
        page = client.get(path).content.decode()
        assert "Kill switch engaged:" in page and "db failover" in page, path
    page = client.get("/runbooks/kill-switch/").content.decode()
    assert "Release the kill switch" not in page  # a viewer sees the state, not the toggle
    assert client.post("/runbooks/kill-switch/", {"engaged": "0", "reason": "x"}).status_code == 403
    assert KillSwitch.objects.get(pk=1).engaged


def test_it_shows_a_banner_while_a_maintenance_window_is_open(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    MaintenanceWindowFactory(
        name="kernel upgrades", starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=1)
    )
    MaintenanceWindowFactory(name="next week", starts_at=now + dt.timedelta(days=7), ends_at=now + dt.timedelta(days=8))
    client.force_login(viewer)
    page = client.get("/alerts/").content.decode()
    assert "Maintenance window “kernel upgrades” is open" in page and "next week" not in page
