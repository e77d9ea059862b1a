"""The alert list: pages through every episode, sorts, filters by choices, groups by alert name and Alertmanager
group, and acknowledges ticked episodes in bulk (permission checked, each audited)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from remediation.models import AuditEvent
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/alerts/\d+/">([^<]+)</a>', page)


@pytest.fixture
def burst() -> list[Alert]:
    """Three DiskFull episodes received first, then one Alertmanager group of 100 NodeDown episodes."""
    now = timezone.now()
    disk = [
        AlertFactory(alertname="DiskFull", severity="critical", group_key="{}:{disk}", last_received_at=now)
        for _ in range(3)
    ]
    later = now + dt.timedelta(minutes=1)
    nodes = [
        AlertFactory(alertname="NodeDown", severity="warning", group_key="{}:{node}", last_received_at=later)
        for _ in range(100)
    ]
    return disk + nodes


def test_it_pages_through_every_episode(viewer, burst) -> None:  # type: ignore[no-untyped-def]
    client = _client(viewer)
    first = client.get("/alerts/", {"per_page": "50"}).content.decode()
    assert _names(first) == ["NodeDown"] * 50 and "Page 1 of 3 · 103 episodes" in first
    assert 'href="?sort=-received&amp;per_page=50&amp;page=3">Last' in first
    last = client.get("/alerts/", {"per_page": "50", "page": "3"}).content.decode()
    assert _names(last) == ["DiskFull"] * 3  # the older episodes no longer vanish behind a big group
    assert _names(client.get("/alerts/", {"per_page": "7"}).content.decode()).count("NodeDown") == 50  # unknown size


def test_it_sorts_by_received_severity_alertname_and_status(viewer, burst) -> None:  # type: ignore[no-untyped-def]
    Alert.objects.filter(pk=burst[0].pk).update(status="resolved")
    client = _client(viewer)
    assert _names(client.get("/alerts/", {"sort": "received"}).content.decode())[:3] == ["DiskFull"] * 3
    assert _names(client.get("/alerts/", {"sort": "severity"}).content.decode())[:3] == ["DiskFull"] * 3
    assert _names(client.get("/alerts/", {"sort": "-alertname"}).content.decode())[0] == "NodeDown"
    assert _names(client.get("/alerts/", {"sort": "-status"}).content.decode())[0] == "DiskFull"
    page = client.get("/alerts/", {"sort": "alertname"}).content.decode()
    assert 'href="?sort=-alertname&amp;per_page=50">Alert ▲</a>' in page  # a second click reverses


def test_it_offers_filters_as_choices(viewer, burst) -> None:  # type: ignore[no-untyped-def]
    client = _client(viewer)
    page = client.get("/alerts/", {"severity": "critical"}).content.decode()
    assert '<option value="critical" selected>critical</option>' in page and '<option value="warning">' in page
    assert '<option value="DiskFull">DiskFull</option>' in page and '<option value="NodeDown">' in page
    assert _names(page) == ["DiskFull"] * 3


def test_it_groups_by_alertname_and_by_alertmanager_group(viewer, burst) -> None:  # type: ignore[no-untyped-def]
    client = _client(viewer)
    by_name = client.get("/alerts/", {"group": "alertname"}).content.decode()
    assert "100 episodes" in by_name and "3 episodes" in by_name and "Page 1 of 1 · 2 groups" in by_name
    assert 'href="?alertname=DiskFull&amp;per_page=50"' in by_name
    by_group = client.get("/alerts/", {"group": "group_key"}).content.decode()
    assert 'href="?group_key=%7B%7D%3A%7Bdisk%7D&amp;per_page=50"' in by_group
    members = client.get("/alerts/", {"group_key": "{}:{disk}"}).content.decode()
    assert _names(members) == ["DiskFull"] * 3


def test_it_acknowledges_ticked_alerts_in_bulk_through_the_service(operator, viewer, burst) -> None:  # type: ignore[no-untyped-def]
    chosen = [burst[0].pk, burst[1].pk]
    assert _client(viewer).post("/alerts/acknowledge/", {"alert": chosen}).status_code == 403
    client = _client(operator)
    assert f'name="alert" value="{burst[0].pk}"' in client.get("/alerts/", {"sort": "received"}).content.decode()
    back = "/alerts/?sort=received&page=1"
    response = client.post("/alerts/acknowledge/", {"alert": chosen, "reason": "known", "next": back})
    assert response.status_code == 302 and response.url == back
    assert set(Alert.objects.filter(acknowledged_at__isnull=False).values_list("pk", flat=True)) == set(chosen)
    events = AuditEvent.objects.filter(action="alert.acknowledged")
    assert sorted(int(e.object_id) for e in events) == sorted(chosen) and {e.reason for e in events} == {"known"}
    again = client.post("/alerts/acknowledge/", {"alert": chosen, "next": "https://evil.example/"}, follow=True)
    assert "Acknowledged 0 alerts; 2 had been acknowledged already." in again.content.decode()
    assert again.redirect_chain[0][0] == "/alerts/"


def test_it_reads_a_page_in_a_fixed_number_of_queries(operator, burst, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = _client(operator)
    client.get("/alerts/")  # session and permission caches warm
    for params in ({"per_page": "25"}, {"per_page": "100"}, {"group": "alertname"}):
        with django_assert_max_num_queries(12):
            assert client.get("/alerts/", params).status_code == 200
