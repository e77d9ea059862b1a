"""Admin: rules with inline matchers (audited, invalid regex shown), simulate, replay; webhook tokens shown once."""

from __future__ import annotations

import pytest
from django.test import Client

from alerts.models import Rule, WebhookToken, hash_token
from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.services.definitions import save_runbook
from tests.factories import AlertFactory, RuleFactory, RuleMatcherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(admin_user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    return client


def _rule_form(value: str) -> dict[str, str]:
    return {
        "name": "page-oncall",
        "description": "",
        "enabled": "on",
        "priority": "10",
        "status_filter": "firing",
        "action": "analyze",
        "mode": "auto",
        "target_source": "instance",
        "parameters": "{}",
        "cooldown_seconds": "300",
        "max_per_hour": "20",
        "breaker_threshold": "3",
        "breaker_window_seconds": "3600",
        "breaker_cooloff_seconds": "900",
        "matchers-TOTAL_FORMS": "1",
        "matchers-INITIAL_FORMS": "0",
        "matchers-MIN_NUM_FORMS": "0",
        "matchers-MAX_NUM_FORMS": "1000",
        "matchers-0-target": "label",
        "matchers-0-name": "severity",
        "matchers-0-op": "=~",
        "matchers-0-value": value,
    }


def test_it_saves_a_rule_with_inline_matchers_and_audits_it(admin_client_) -> None:  # type: ignore[no-untyped-def]
    response = admin_client_.post("/admin/alerts/rule/add/", _rule_form("crit.*"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert [str(m) for m in rule.matchers.all()] == ['severity=~"crit.*"']
    assert AuditEvent.objects.get(action="rule.created").after["matchers"] == ['severity=~"crit.*"']


def test_it_shows_the_invalid_regex_in_the_inline_form(admin_client_) -> None:  # type: ignore[no-untyped-def]
    response = admin_client_.post("/admin/alerts/rule/add/", _rule_form("(crit"))
    assert response.status_code == 200
    assert "Invalid regular expression &#x27;(crit&#x27;" in response.content.decode()
    assert not Rule.objects.exists()


def test_it_simulates_from_the_admin(admin_client_) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(name="disk-rule", action="analyze")
    RuleMatcherFactory(rule=rule, name="alertname", op="=", value="DiskFull")
    assert "Simulate an alert" in admin_client_.get("/admin/alerts/rule/").content.decode()
    page = admin_client_.post("/admin/alerts/rule/simulate/", {"labels": "alertname=DiskFull\nenv=prod"})
    html = page.content.decode()
    assert "disk-rule" in html and "Would queue: analyze" in html


def test_it_replays_selected_rules_from_the_admin(admin_client_) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(name="disk-rule")
    RuleMatcherFactory(rule=rule, name="alertname", op="=", value="DiskFull")
    AlertFactory()
    response = admin_client_.post(
        "/admin/alerts/rule/", {"action": "replay_last_7_days", "_selected_action": [rule.pk]}, follow=True
    )
    assert "Replay of &#x27;disk-rule&#x27; over 7 days: alerts: 1, matched: 1" in response.content.decode()


def test_it_shows_a_new_webhook_token_once_and_stores_only_its_hash(admin_client_) -> None:  # type: ignore[no-untyped-def]
    response = admin_client_.post("/admin/alerts/webhooktoken/add/", {"name": "alertmanager-prod"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = WebhookToken.objects.get()
    raw = html.split("<pre", 1)[1].split(">", 1)[1].split("</pre>", 1)[0].strip()
    assert raw.startswith("rwh_") and len(raw) > 40
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert raw not in admin_client_.get(f"/admin/alerts/webhooktoken/{token.pk}/change/").content.decode()
    assert raw not in admin_client_.get("/admin/alerts/webhooktoken/").content.decode()
    for event in AuditEvent.objects.all():
        assert raw not in f"{event.before} {event.after} {event.reason} {event.object_repr}"
    revoke = {"action": "revoke", "_selected_action": [token.pk]}
    admin_client_.post("/admin/alerts/webhooktoken/", revoke, follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="webhook_token.revoked").exists()
    hook = Client().post(
        "/hooks/alertmanager/", data=b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert hook.status_code == 401


def test_it_shows_decisions_inline_on_the_alert(admin_client_, post_hook) -> None:  # type: ignore[no-untyped-def]
    from tests.webhooks import payload

    rule = RuleFactory(name="node-rule")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    post_hook(payload("am_firing_3alerts"))
    from alerts.models import Alert

    html = admin_client_.get(f"/admin/alerts/alert/{Alert.objects.first().pk}/change/").content.decode()
    assert "node-rule" in html and "recorded" in html.lower()


def test_it_flips_the_kill_switch_and_saves_windows_from_the_admin_with_audit(admin_client_) -> None:  # type: ignore[no-untyped-def]
    from runbooks.models import KillSwitch, MaintenanceWindow

    assert admin_client_.get("/admin/runbooks/killswitch/").status_code == 200
    response = admin_client_.post("/admin/runbooks/killswitch/1/change/", {"engaged": "on", "reason": "db failover"})
    assert response.status_code == 302
    assert KillSwitch.current().engaged
    assert AuditEvent.objects.get(action="kill_switch.changed").reason == "db failover"
    window = {
        "name": "nightly",
        "enabled": "on",
        "kind": "recurring",
        "cron": "0 3 * * *",
        "duration_minutes": "30",
        "timezone": "UTC",
        # Matchers are rows, as on a rule: label, operator, value (blank rows are ignored).
        "matchers-0-name": "env",
        "matchers-0-op": "=",
        "matchers-0-value": "prod",
        "matchers-1-name": "team",
        "matchers-1-op": "=~",
        "matchers-1-value": "db|web",
        "matchers-2-name": "",
        "matchers-2-op": "=",
        "matchers-2-value": "",
    }
    assert admin_client_.post("/admin/runbooks/maintenancewindow/add/", window).status_code == 302
    stored = MaintenanceWindow.objects.get()
    assert stored.matchers == [
        {"name": "env", "op": "=", "value": "prod"},
        {"name": "team", "op": "=~", "value": "db|web"},
    ]
    assert AuditEvent.objects.filter(action="maintenance_window.created").exists()
    page = admin_client_.get(f"/admin/runbooks/maintenancewindow/{stored.pk}/change/").content.decode()
    assert 'name="matchers-1-value" value="db|web"' in page and '<option value="=~" selected>' in page
    bad = admin_client_.post("/admin/runbooks/maintenancewindow/add/", {**window, "name": "x", "cron": "bad"})
    assert bad.status_code == 200 and "Invalid cron expression" in bad.content.decode()
    broken = {**window, "name": "y", "matchers-1-value": "db|("}
    response = admin_client_.post("/admin/runbooks/maintenancewindow/add/", broken)
    page = response.content.decode()
    assert response.status_code == 200 and "regex" in page.lower() and 'value="db|("' in page  # the rows are kept
    assert MaintenanceWindow.objects.count() == 1


def test_the_kill_switch_admin_asks_why(admin_client_) -> None:  # type: ignore[no-untyped-def]
    from runbooks.models import KillSwitch

    url = "/admin/runbooks/killswitch/1/change/"
    admin_client_.get("/admin/runbooks/killswitch/")
    refused = admin_client_.post(url, {"engaged": "on", "reason": ""})
    assert refused.status_code == 200 and not KillSwitch.objects.get(pk=1).engaged
    assert admin_client_.post(url, {"engaged": "on", "reason": "storage incident"}).status_code == 302
    assert AuditEvent.objects.get(action="kill_switch.changed").reason == "storage incident"


@pytest.mark.parametrize("mode", ["auto", "approval", "suggest", "shadow"])
def test_it_shows_a_missing_runbook_as_a_field_error_in_the_admin(admin_client_, mode: str) -> None:  # type: ignore[no-untyped-def]
    form = {**_rule_form("crit.*"), "action": "remediate", "mode": mode}
    response = admin_client_.post("/admin/alerts/rule/add/", form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["runbook"][0].startswith(f"A remediate rule in {mode} mode") and "choose the runbook" in str(errors)
    assert not Rule.objects.exists() and not AuditEvent.objects.filter(action="rule.created").exists()
    runbook = save_runbook(
        {"name": "restart", "steps": [{"name": "restart", "command": "true"}]}, actor=Actor.of("test")
    )
    assert admin_client_.post("/admin/alerts/rule/add/", {**form, "runbook": runbook.pk}).status_code == 302
    assert Rule.objects.get().runbook == runbook


def test_it_labels_each_admin_action_for_what_it_does(admin_client_) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory(name="disk-rule")
    choices = dict(admin_client_.get("/admin/alerts/rule/").context["action_form"].fields["action"].choices)
    assert choices["reset_breakers"] == "Reset the circuit breaker (forget earlier failures)"
    assert choices["replay_last_7_days"] == "Replay over the alerts of the last 7 days"
    admin_client_.post("/admin/alerts/rule/", {"action": "replay_last_7_days", "_selected_action": [rule.pk]})
    assert not AuditEvent.objects.filter(action="rule.breaker_reset").exists()


def test_it_changes_only_a_tokens_scope_in_the_admin_and_audits_it(admin_client_) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import RuleFactory, ServerFactory, WebhookTokenFactory

    token = WebhookTokenFactory(name="team-a", all_rules=False, all_servers=False)
    rule, server = RuleFactory(name="restart"), ServerFactory(name="web-a")
    form = {"name": "renamed", "rules": [rule.pk], "server_tags": '["team-a"]', "servers": [server.pk]}
    response = admin_client_.post(f"/admin/alerts/webhooktoken/{token.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    token.refresh_from_db()
    assert token.name == "team-a" and not token.all_rules and token.server_tags == ["team-a"]
    assert list(token.rules.all()) == [rule] and list(token.servers.all()) == [server]
    event = AuditEvent.objects.get(action="webhook_token.scope_changed")
    assert event.after["rules"] == ["restart"] and event.after["servers"] == ["web-a"] and event.before["rules"] == []
