"""Alerts API: filters, cursor pages with a bounded number of queries, detail with timeline, acknowledge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from remediation.actors import Actor
from remediation.models import AuditEvent
from tests.factories import AlertFactory, DecisionFactory, RuleFactory, RuleMatcherFactory
from tests.webhooks import payload

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_filters_by_status_severity_alertname_label_text_and_time(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    disk = AlertFactory(alertname="DiskFull", severity="critical", labels={"alertname": "DiskFull", "env": "prod"})
    cpu = AlertFactory(
        alertname="HighCPU",
        severity="warning",
        labels={"alertname": "HighCPU", "env": "dev", "odd key": "a:b"},
        annotations={"summary": "CPU on fire"},
        starts_at=now - dt.timedelta(days=3),
    )
    gone = AlertFactory(
        status="resolved", alertname="DiskFull", severity="critical", labels={"alertname": "DiskFull", "env": "prod"}
    )
    api = api_as(viewer)
    assert _ids(api.get("/api/v1/alerts/")) == {disk.pk, cpu.pk, gone.pk}
    assert _ids(api.get("/api/v1/alerts/", {"status": "firing"})) == {disk.pk, cpu.pk}
    assert _ids(api.get("/api/v1/alerts/", {"severity": "warning"})) == {cpu.pk}
    assert _ids(api.get("/api/v1/alerts/", {"alertname": "DiskFull"})) == {disk.pk, gone.pk}
    assert _ids(api.get("/api/v1/alerts/", {"label": "env:prod"})) == {disk.pk, gone.pk}
    assert _ids(api.get("/api/v1/alerts/", {"label": ["env:prod", "alertname:HighCPU"]})) == set()
    assert _ids(api.get("/api/v1/alerts/", {"label": "odd key:a:b"})) == {cpu.pk}
    assert _ids(api.get("/api/v1/alerts/", {"q": "on fire"})) == {cpu.pk}
    since = (now - dt.timedelta(days=1)).isoformat()
    assert _ids(api.get("/api/v1/alerts/", {"since": since})) == {disk.pk, gone.pk}
    assert _ids(api.get("/api/v1/alerts/", {"until": since})) == {cpu.pk}


@pytest.mark.parametrize("params", [{"status": "open"}, {"label": "nocolon"}, {"since": "yesterday"}])
def test_it_rejects_bad_filters_with_400(api_as, viewer, params) -> None:  # type: ignore[no-untyped-def]
    response = api_as(viewer).get("/api/v1/alerts/", params)
    assert response.status_code == 400
    assert "filter" in response.json()["errors"]


def test_it_pages_with_a_cursor_and_a_fixed_query_budget(api_as, viewer, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for alert in AlertFactory.create_batch(30):
        DecisionFactory(alert=alert, rule_name="r", action="record", outcome="recorded")
    api = api_as(viewer)
    with django_assert_max_num_queries(4):  # user perms, page, decisions prefetch (+ savepoint slack)
        first = api.get("/api/v1/alerts/", {"page_size": 20}).json()
    assert len(first["results"]) == 20 and first["results"][0]["rule"] == "r"
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 10
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_it_shows_the_timeline_with_decisions_and_suppressions(post_hook, api_as, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    from runbooks.services.maintenance import set_kill_switch

    rule = RuleFactory(name="restart-node", action="remediate")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    set_kill_switch(True, reason="freeze", actor=Actor.of(admin_user))
    post_hook(payload("am_firing_3alerts"))
    post_hook(payload("am_resolved_3alerts"))
    alert_id = api_as(viewer).get("/api/v1/alerts/").json()["results"][0]["id"]
    data = api_as(viewer).get(f"/api/v1/alerts/{alert_id}/").json()
    assert data["rule"] == "restart-node" and data["action"] == "remediate"
    assert data["decisions"][0]["suppressions"][0]["reason"] == "kill_switch"
    kinds = [item["kind"] for item in data["timeline"]]
    assert kinds[0] == "received"
    assert {"decision", "suppressed", "resolved"} <= set(kinds)
    assert data["annotations"]["summary"].startswith("Disk almost full")


def test_it_lets_operators_acknowledge_once_with_an_audit_event(api_as, operator) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    api = api_as(operator)
    response = api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"reason": "looking"}, format="json")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "operator"
    event = AuditEvent.objects.get(action="alert.acknowledged")
    assert (event.object_id, event.actor_label, event.reason) == (str(alert.pk), "operator", "looking")
    assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 409
    assert AuditEvent.objects.filter(action="alert.acknowledged").count() == 1


@pytest.mark.parametrize(("who", "read", "ack"), [("viewer", 200, 403), ("stranger", 403, 403), ("approver", 200, 403)])
def test_it_checks_permissions(api_as, request, who, read, ack) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    api = api_as(request.getfixturevalue(who))
    assert api.get("/api/v1/alerts/").status_code == read
    assert api.get(f"/api/v1/alerts/{alert.pk}/").status_code == read
    assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == ack


def test_it_refuses_anonymous_readers(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/api/v1/alerts/").status_code == 401
