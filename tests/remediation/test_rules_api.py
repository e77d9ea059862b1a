"""Rules API: CRUD with matchers (audited), invalid regex refused, simulate, replay; maintenance and kill switch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Rule, RuleMatcher
from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import KillSwitch, MaintenanceWindow
from runbooks.services.definitions import save_runbook
from tests.factories import AlertFactory, MaintenanceWindowFactory, RuleFactory, RuleMatcherFactory

pytestmark = pytest.mark.django_db

RULE = {
    "name": "restart-web",
    "priority": 10,
    "action": "remediate",
    "matchers": [
        {"name": "severity", "op": "=~", "value": "critical|page"},
        {"name": "summary", "op": "=~", "value": ".*disk.*", "target": "annotation"},
    ],
}


@pytest.fixture
def runbook():  # type: ignore[no-untyped-def]
    return save_runbook(
        {"name": "restart-web", "steps": [{"name": "restart", "command": "true"}]}, actor=Actor.of("test")
    )


def test_it_creates_updates_and_deletes_rules_with_audit(api_as, admin_user, runbook) -> None:  # type: ignore[no-untyped-def]
    api = api_as(admin_user)
    created = api.post("/api/v1/rules/", {**RULE, "runbook": runbook.pk}, format="json")
    assert created.status_code == 201, created.content
    rule = Rule.objects.get()
    assert [str(m) for m in rule.matchers.all()] == ['severity=~"critical|page"', 'annotation:summary=~".*disk.*"']
    assert created.json()["status_filter"] == "firing"  # the default
    event = AuditEvent.objects.get(action="rule.created")
    assert event.after["matchers"] == ['severity=~"critical|page"', 'annotation:summary=~".*disk.*"']
    changed = api.patch(f"/api/v1/rules/{rule.pk}/", {"action": "analyze"}, format="json")
    assert changed.status_code == 200
    update = AuditEvent.objects.get(action="rule.updated")
    assert (update.before, update.after) == ({"action": "remediate"}, {"action": "analyze"})
    assert RuleMatcher.objects.count() == 2  # PATCH without matchers keeps them
    new = {"matchers": [{"name": "team", "op": "!=", "value": "db"}]}
    replaced = api.patch(f"/api/v1/rules/{rule.pk}/", new, format="json")
    assert replaced.json()["matchers"] == [{"target": "label", "name": "team", "op": "!=", "value": "db"}]
    audit = AuditEvent.objects.filter(action="rule.updated").order_by("-id").first()
    assert audit.after == {"matchers": ['team!="db"']}
    assert api.delete(f"/api/v1/rules/{rule.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="rule.deleted", object_id=str(rule.pk)).exists()


def test_it_refuses_an_invalid_regex_with_a_clear_message(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    body = {**RULE, "matchers": [{"name": "severity", "op": "=~", "value": "(crit"}]}
    response = api_as(admin_user).post("/api/v1/rules/", body, format="json")
    assert response.status_code == 400
    message = response.json()["errors"]["matchers"][0]["value"][0]
    assert message.startswith("Invalid regular expression '(crit'")
    assert not Rule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rule.").exists()


@pytest.mark.parametrize("mode", ["auto", "approval", "suggest", "shadow"])
def test_it_refuses_a_remediate_rule_without_a_runbook(api_as, admin_user, runbook, mode: str) -> None:  # type: ignore[no-untyped-def]
    api = api_as(admin_user)
    refused = api.post("/api/v1/rules/", {**RULE, "mode": mode}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["runbook"][0].startswith(f"A remediate rule in {mode} mode")
    assert not Rule.objects.exists()
    rule = api.post("/api/v1/rules/", {**RULE, "action": "record", "mode": mode}, format="json").json()
    becomes = api.patch(f"/api/v1/rules/{rule['id']}/", {"action": "remediate"}, format="json")
    assert becomes.status_code == 400 and "choose the runbook" in becomes.json()["errors"]["runbook"][0]
    assert (
        api.patch(
            f"/api/v1/rules/{rule['id']}/", {"action": "remediate", "runbook": runbook.pk}, format="json"
        ).status_code
        == 200
    )
    dropped = api.patch(f"/api/v1/rules/{rule['id']}/", {"runbook": None}, format="json")
    assert dropped.status_code == 400 and Rule.objects.get().runbook == runbook
    assert AuditEvent.objects.filter(action="rule.updated").count() == 1  # refused changes are not audited as saved


def test_it_lets_viewers_read_but_not_write_rules(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    RuleFactory()
    api = api_as(viewer)
    assert api.get("/api/v1/rules/").status_code == 200
    assert api.post("/api/v1/rules/", RULE, format="json").status_code == 403
    assert Rule.objects.count() == 1


def test_it_simulates_an_alert_with_reasoning(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    skipped = RuleFactory(name="resolved-only", status_filter="resolved", priority=1)
    warn = RuleFactory(name="warnings", priority=2)
    RuleMatcherFactory(rule=warn, name="severity", op="=", value="warning")
    crit = RuleFactory(name="restart", action="remediate", priority=3)
    RuleMatcherFactory(rule=crit, name="severity", op="=~", value="crit.*")
    MaintenanceWindowFactory(name="tuesday", matchers=[{"name": "env", "op": "=", "value": "prod"}])
    body = {"labels": {"alertname": "DiskFull", "severity": "critical", "env": "prod"}}
    result = api_as(viewer).post("/api/v1/rules/simulate/", body, format="json").json()
    assert result["rule"] == {"id": crit.pk, "name": "restart"}
    assert result["outcome"] == "suppressed"
    assert result["suppressions"][0]["reason"] == "maintenance"
    assert result["reasoning"] == [
        f"{skipped.name}: skipped, it applies to resolved alerts only",
        "warnings: severity=\"warning\" does not hold (value 'critical')",
        "restart: matched, action remediate",
    ]


def test_it_refuses_simulation_without_the_view_permission(api_as, stranger) -> None:  # type: ignore[no-untyped-def]
    assert api_as(stranger).post("/api/v1/rules/simulate/", {"labels": {}}, format="json").status_code == 403


def test_it_replays_a_rule_over_recent_alerts(api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(name="crit", action="analyze", priority=50)
    RuleMatcherFactory(rule=rule, name="severity", op="=", value="critical")
    earlier = RuleFactory(name="mute-dev", action="ignore", priority=1)
    RuleMatcherFactory(rule=earlier, name="env", op="=", value="dev")
    AlertFactory(severity="critical", labels={"severity": "critical", "env": "prod"})
    AlertFactory(severity="critical", labels={"severity": "critical", "env": "dev"})
    AlertFactory(severity="warning", labels={"severity": "warning"})
    AlertFactory(labels={"severity": "critical"}, starts_at=timezone.now() - dt.timedelta(days=30))
    result = api_as(viewer).get(f"/api/v1/rules/{rule.pk}/replay/", {"days": 7}).json()
    assert {k: result[k] for k in ("alerts", "matched", "not_matched", "would_analyze", "reached_in_rule_order")} == {
        "alerts": 3,
        "matched": 2,
        "not_matched": 1,
        "would_analyze": 2,
        "reached_in_rule_order": 1,
    }
    assert api_as(viewer).get(f"/api/v1/rules/{rule.pk}/replay/", {"days": 0}).status_code == 400


def test_it_manages_maintenance_windows_with_audit(api_as, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    body = {
        "name": "sunday patching",
        "kind": "recurring",
        "cron": "0 2 * * sun",
        "duration_minutes": 120,
        "timezone": "Europe/Berlin",
        "matchers": [{"name": "env", "op": "=", "value": "prod"}],
    }
    api = api_as(admin_user)
    created = api.post("/api/v1/maintenance-windows/", body, format="json")
    assert created.status_code == 201, created.content
    window = MaintenanceWindow.objects.get()
    assert AuditEvent.objects.get(action="maintenance_window.created").object_id == str(window.pk)
    bad = api.patch(f"/api/v1/maintenance-windows/{window.pk}/", {"cron": "sometimes"}, format="json")
    assert bad.status_code == 400 and "cron" in bad.json()["errors"]
    window.refresh_from_db()
    assert window.cron == "0 2 * * sun"
    assert api.patch(f"/api/v1/maintenance-windows/{window.pk}/", {"enabled": False}, format="json").status_code == 200
    assert AuditEvent.objects.get(action="maintenance_window.updated").after == {"enabled": False}
    assert api_as(viewer).delete(f"/api/v1/maintenance-windows/{window.pk}/").status_code == 403
    api = api_as(admin_user)  # api_as re-authenticates the one shared client
    assert api.delete(f"/api/v1/maintenance-windows/{window.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="maintenance_window.deleted").exists()


def test_it_flips_the_kill_switch_only_with_permission_and_a_reason(api_as, admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    assert api_as(operator).get("/api/v1/kill-switch/").json()["engaged"] is False
    assert (
        api_as(operator).put("/api/v1/kill-switch/", {"engaged": True, "reason": "x"}, format="json").status_code == 403
    )
    api = api_as(admin_user)
    assert api.put("/api/v1/kill-switch/", {"engaged": True, "reason": ""}, format="json").status_code == 400
    response = api.put("/api/v1/kill-switch/", {"engaged": True, "reason": "bad deploy"}, format="json")
    assert response.status_code == 200 and response.json()["changed_by"] == "admin"
    assert KillSwitch.current().engaged
    assert AuditEvent.objects.get(action="kill_switch.changed").reason == "bad deploy"


def test_it_lists_rules_and_windows_in_a_fixed_number_of_queries(api_as, viewer, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(15):
        RuleMatcherFactory(rule=RuleFactory())
        MaintenanceWindowFactory()
    api = api_as(viewer)
    with django_assert_max_num_queries(8):  # permissions (2), count, page, matchers, target and scope servers, channels
        rules = api.get("/api/v1/rules/").json()
    assert rules["count"] == 15 and len(rules["results"][0]["matchers"]) == 1
    with django_assert_max_num_queries(4):  # permissions (2), count, page
        assert api.get("/api/v1/maintenance-windows/").json()["count"] == 15
