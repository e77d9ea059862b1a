"""Sources and scopes: a token's alerts reach only its rules and servers; episodes are the source's own; a rule's
runbook runs only on servers its scope allows. Whatever a scope stops is recorded with its reason."""

from __future__ import annotations

import pytest

from alerts.models import Alert, Decision, Rule
from alerts.services.decisions import simulate_alert
from alerts.services.rules import invalidate_rules
from alerts.services.webhook_tokens import create_webhook_token, set_webhook_token_scope
from remediation.actors import Actor
from runbooks.models import Execution
from tests.factories.inventory import ServerFactory
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def teams():  # type: ignore[no-untyped-def]
    """Servers web-a (tag team-a) and web-b (tag team-b); tokens team-a and team-b, each scoped to its own tag."""
    servers = {name: ServerFactory(name=f"web-{name}", host_key=KEY, tags=[f"team-{name}"]) for name in "ab"}
    tokens = {
        name: create_webhook_token(
            f"team-{name}", actor=Actor.of("test"), scope={"all_rules": True, "server_tags": [f"team-{name}"]}
        )[1]
        for name in "ab"
    }
    return servers, tokens


def test_it_keeps_episodes_per_source_so_one_team_cannot_resolve_anothers(post_hook, teams) -> None:  # type: ignore[no-untyped-def]
    servers, tokens = teams
    remediate_rule(restart_runbook(), mode="approval")
    assert post_hook(am_payload("web-b:9100"), token=tokens["b"]).status_code == 202
    dispatch_pending()
    held = Execution.objects.get()
    assert held.status == "awaiting_approval" and held.target_ids == [servers["b"].pk]
    # Team A sends the same fingerprint and startsAt as resolved: a new episode of its own, B's stays open.
    assert post_hook(am_payload("web-b:9100", "resolved"), token=tokens["a"]).json()["created"] == 1
    episodes = {a.source: a for a in Alert.objects.all()}
    assert set(episodes) == {"team-a", "team-b"} and episodes["team-b"].status == "firing"
    held.refresh_from_db()
    assert held.status == "awaiting_approval"
    # Team B's own resolution closes its episode and expires the request, as before.
    assert post_hook(am_payload("web-b:9100", "resolved"), token=tokens["b"]).json()["resolved"] == 1
    held.refresh_from_db()
    assert held.status == "expired" and Alert.objects.get(source="team-b").status == "resolved"


def test_it_refuses_targets_outside_the_sources_scope_and_records_why(post_hook, teams) -> None:  # type: ignore[no-untyped-def]
    servers, tokens = teams
    remediate_rule(restart_runbook())
    post_hook(am_payload("web-b:9100"), token=tokens["a"])
    notes = dispatch_pending()
    assert not Execution.objects.exists() and "out_of_scope" in notes[0]
    suppression = Decision.objects.get().suppressions[0]
    assert suppression["reason"] == "out_of_scope"
    assert suppression["detail"] == "source 'team-a' may not target server 'web-b'"
    post_hook(am_payload("web-a:9100", fingerprint="f00dcafe00000002"), token=tokens["a"])
    dispatch_pending()
    assert Execution.objects.get().target_ids == [servers["a"].pk]


def test_it_lets_a_token_reach_only_its_rules_and_rules_hear_only_their_sources(
    post_hook, teams, api_as, admin_user
) -> None:  # type: ignore[no-untyped-def]
    _servers, tokens = teams
    runbook = restart_runbook()
    only_b = remediate_rule(runbook, name="only team-b", sources=["team-b"])
    listed = remediate_rule(runbook, name="listed", priority=200)
    token_a = create_webhook_token(
        "team-a-narrow", actor=Actor.of("test"), scope={"rules": [listed.pk], "all_servers": True}
    )
    post_hook(am_payload("web-a:9100"), token=tokens["a"])  # team-a reaches every rule but only_b does not hear it
    post_hook(am_payload("web-a:9100", fingerprint="f00dcafe00000002"), token=token_a[1])
    post_hook(am_payload("web-b:9100", fingerprint="f00dcafe00000003"), token=tokens["b"])
    matched = {d.alert.source + "/" + d.alert.fingerprint[-1]: d.rule_name for d in Decision.objects.all()}
    assert matched == {"team-a/1": "listed", "team-a-narrow/2": "listed", "team-b/3": "only team-b"}
    set_webhook_token_scope(token_a[0], {"rules": []}, actor=Actor.of("test"))
    post_hook(am_payload("web-a:9100", fingerprint="f00dcafe00000004"), token=token_a[1])
    assert Decision.objects.get(alert__fingerprint="f00dcafe00000004").outcome == "no_match"
    simulated = simulate_alert({"alertname": "ServiceDown"}, {}, "firing", source="team-a-narrow")
    assert simulated["outcome"] == "no_match"
    assert simulate_alert({"alertname": "ServiceDown"}, {}, "firing", source="team-b")["rule"]["id"] == only_b.pk
    body = {"labels": {"alertname": "ServiceDown"}, "source": "team-b"}
    simulated = api_as(admin_user).post("/api/v1/rules/simulate/", body, format="json").json()
    assert simulated["rule"]["id"] == only_b.pk and simulated["matched"][0]["name"] == "only team-b"


def test_it_runs_a_rules_runbook_only_on_servers_its_scope_allows(post_hook) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY, tags=["web"])
    ServerFactory(name="db-1", host_key=KEY, tags=["db"])
    rule = remediate_rule(restart_runbook(), scope_all_servers=False, scope_tags=["web"])
    post_hook(am_payload("db-1:9100"))
    dispatch_pending()
    suppression = Decision.objects.get().suppressions[0]
    detail = f"rule {rule.name!r} may not run on server 'db-1' (outside its scope)"
    assert suppression == {"rule": rule.name, "action": "remediate", "reason": "out_of_scope", "detail": detail}
    assert not Execution.objects.exists()
    post_hook(am_payload("web-1:9100", fingerprint="f00dcafe00000002"))
    dispatch_pending()
    assert Execution.objects.count() == 1
    Rule.objects.filter(pk=rule.pk).update(scope_tags=[])
    invalidate_rules()
    post_hook(am_payload("web-1:9100", fingerprint="f00dcafe00000003"))
    dispatch_pending()
    assert Execution.objects.count() == 1  # a new rule with no scope allows no server an alert names


def test_it_rotates_a_tokens_secret_keeping_its_source_and_episodes(post_hook, admin_user) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from alerts.models import WebhookToken
    from remediation.models import AuditEvent

    token, old = create_webhook_token("team-a", actor=Actor.of("test"), scope={"all_rules": True})
    assert post_hook(am_payload("web-a:9100"), token=old).json()["created"] == 1
    browser = Client()
    browser.force_login(admin_user)
    page = browser.post("/admin/alerts/webhooktoken/", {"action": "rotate", "_selected_action": [token.pk]})
    new = page.content.decode().split("<pre", 1)[1].split(">", 1)[1].split("</pre>", 1)[0].strip()
    assert new.startswith("rwh_") and new != old and "no-store" in page["Cache-Control"]
    assert post_hook(am_payload("web-a:9100", "resolved"), token=old).status_code == 401
    assert post_hook(am_payload("web-a:9100", "resolved"), token=new).json()["resolved"] == 1
    assert Alert.objects.get().status == "resolved" and WebhookToken.objects.get(pk=token.pk).name == "team-a"
    event = AuditEvent.objects.get(action="webhook_token.rotated")
    assert new not in str(event.after) and old not in str(event.after)
