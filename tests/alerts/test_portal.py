"""Portal pages: alert list with filters and a live-refresh fragment, detail with timeline, acknowledge."""

from __future__ import annotations

import pytest
from django.test import Client

from remediation.models import AuditEvent
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_and_filters_alerts_with_a_polling_fragment(viewer) -> None:  # type: ignore[no-untyped-def]
    AlertFactory(alertname="DiskFull", labels={"alertname": "DiskFull", "env": "prod"})
    AlertFactory(alertname="HighCPU", labels={"alertname": "HighCPU", "env": "dev"})
    client = _client(viewer)
    page = client.get("/alerts/", {"label": "env:prod"}).content.decode()
    assert ">DiskFull</a>" in page and ">HighCPU</a>" not in page  # HighCPU stays a choice of the alert filter
    assert (
        'data-src="/alerts/?label=env%3Aprod&amp;sort=-received&amp;per_page=50&amp;page=1&amp;fragment=rows"' in page
    )
    assert "js/live_rows.js" in page
    fragment = client.get("/alerts/", {"label": "env:prod", "fragment": "rows"}).content.decode()
    assert "DiskFull" in fragment and "<html" not in fragment
    assert "must look like key:value" in client.get("/alerts/", {"label": "x"}).content.decode()


def test_it_shows_detail_with_labels_annotations_timeline_and_generator_link(viewer) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory(generator_url="http://127.0.0.1:9090/graph?g0.expr=up", annotations={"summary": "disk"})
    html = _client(viewer).get(f"/alerts/{alert.pk}/").content.decode()
    assert 'href="http://127.0.0.1:9090/graph?g0.expr=up"' in html
    assert "Timeline" in html and "first received" in html
    assert "Acknowledge</button>" not in html  # viewers cannot acknowledge


def test_it_acknowledges_from_the_portal(operator) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    client = _client(operator)
    assert "Acknowledge</button>" in client.get(f"/alerts/{alert.pk}/").content.decode()
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"reason": "mine"}, follow=True)
    assert "Acknowledged by operator" in response.content.decode()
    assert AuditEvent.objects.filter(action="alert.acknowledged", reason="mine").count() == 1


def test_it_refuses_people_without_permission(stranger, viewer) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    assert _client(stranger).get("/alerts/").status_code == 403
    assert _client(stranger).get(f"/alerts/{alert.pk}/").status_code == 403
    assert _client(viewer).post(f"/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert Client().get("/alerts/").status_code == 302


def test_it_keeps_every_label_filter_in_the_polling_url(viewer) -> None:  # type: ignore[no-untyped-def]
    page = _client(viewer).get("/alerts/", {"label": ["env:prod", "team:db"]}).content.decode()
    assert "label=env%3Aprod&amp;label=team%3Adb&amp;sort=-received" in page


def test_it_words_the_timeline_as_one_kind_of_sentence(viewer) -> None:  # type: ignore[no-untyped-def]
    from tests.factories.rules import ActionRequestFactory, DecisionFactory

    suppression = {"rule": "disk", "action": "remediate", "reason": "maintenance", "detail": "window 'patching'"}
    decision = DecisionFactory(rule_name="disk", action="analyze", outcome="queued", suppressions=[suppression])
    ActionRequestFactory(decision=decision, kind="analyze", status="done", note="analysis #3 succeeded")
    ActionRequestFactory(decision=decision, kind="remediate", status="pending", rule=None)
    html = _client(viewer).get(f"/alerts/{decision.alert_id}/").content.decode()
    assert "remediate by rule &#x27;disk&#x27; suppressed: window &#x27;patching&#x27;" in html
    assert "analyze request handled: analysis #3 succeeded" in html
    assert "remediate request queued, waiting for its handler" in html
    assert "queued (done)" not in html and "queued (pending)" not in html
