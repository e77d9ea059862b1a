"""The remediate pipeline in-process: target resolution, parameters, modes, redelivery, resolved alerts."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from alerts.models import Alert, Decision
from remediation.models import AuditEvent
from remediation.services.targeting import strip_port
from runbooks.models import Execution
from tests.factories.inventory import ServerFactory
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db

KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def web1():  # type: ignore[no-untyped-def]
    ServerFactory(name="web-0", hostname="127.0.0.9", host_key=KEY)
    return ServerFactory(name="web-1", hostname="127.0.0.1", host_key=KEY, aliases=["web-1.prod.internal"])


@pytest.mark.parametrize(
    ("instance", "host"),
    [("web-1:9100", "web-1"), ("[::1]:9100", "::1"), ("::1", "::1"), ("web-1", "web-1"), ("", "")],
)
def test_it_strips_the_port_of_an_instance(instance: str, host: str) -> None:
    assert strip_port(instance) == host


def test_it_runs_the_rule_runbook_on_the_server_named_by_instance(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    rule = remediate_rule(restart_runbook())
    assert post_hook(am_payload("web-1:9100")).status_code == 202
    notes = dispatch_pending()
    execution = Execution.objects.get()
    assert "started on 1 target" in notes[0]
    assert execution.target_ids == [web1.pk] and execution.params == {"service": "nginx"}
    assert execution.status == "pending" and execution.trigger == "alert" and execution.rule == rule
    assert execution.alert_episode == Alert.objects.get()
    assert execution.plan["steps"][0]["runs"][0]["rendered"] == "RE_V1='nginx'\necho restarting \"${RE_V1}\""


def test_it_matches_an_alias_and_hostname_case_insensitively(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook())
    post_hook(am_payload("WEB-1.prod.internal:9100"))
    dispatch_pending()
    assert Execution.objects.get().target_ids == [web1.pk]


def test_it_records_why_when_no_server_matches(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook())
    post_hook(am_payload("db-9:9100"))
    dispatch_pending()
    decision = Decision.objects.get()
    assert not Execution.objects.exists()
    assert decision.outcome == "suppressed" and decision.suppressions[0]["reason"] == "no_target"
    assert "no server named 'db-9'" in decision.suppressions[0]["detail"]
    assert AuditEvent.objects.filter(action="remediation.suppressed").exists()


def test_it_targets_fixed_servers_and_tagged_servers(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    tagged = [ServerFactory(tags=["nginx"], host_key=KEY) for _ in range(2)]
    ServerFactory(tags=["nginx"], enabled=False)
    remediate_rule(restart_runbook(), target_source="tag", target_tag="nginx")
    post_hook(am_payload("anything"))
    dispatch_pending()
    assert Execution.objects.get().target_ids == [s.pk for s in tagged]
    fixed = remediate_rule(restart_runbook(name="again"), name="fixed", target_source="servers", priority=1)
    fixed.target_servers.set([web1])
    post_hook(am_payload("anything", fingerprint="f00dcafe00000002"))
    dispatch_pending()
    assert Execution.objects.filter(rule=fixed).get().target_ids == [web1.pk]


def test_it_keeps_hostile_label_values_as_data(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(command="systemctl restart {{ params.service }}"))
    post_hook(am_payload("web-1", service="x; rm -rf /"))  # the runbook's parameter pattern refuses the value
    notes = dispatch_pending()
    assert not Execution.objects.exists()
    assert "does not match" in notes[0] and Decision.objects.get().suppressions[0]["reason"] == "refused"


def test_it_runs_once_when_alertmanager_redelivers_five_times(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook())
    for _ in range(5):
        assert post_hook(am_payload("web-1:9100")).status_code == 202
        dispatch_pending()
    assert Execution.objects.count() == 1 and Alert.objects.get().receive_count == 5


def test_it_never_starts_for_a_resolved_alert(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), status_filter="any")
    post_hook(am_payload("web-1:9100", status="resolved"))
    dispatch_pending()
    assert not Execution.objects.exists()
    assert Decision.objects.get().suppressions[0]["reason"] == "resolved"


def test_it_only_suggests_in_suggest_mode(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), mode="suggest")
    post_hook(am_payload("web-1:9100"))
    notes = dispatch_pending()
    assert not Execution.objects.exists() and "suggested runbook 'restart-service'" in notes[0]
    event = AuditEvent.objects.get(action="remediation.suggested")
    assert event.after["targets"] == [web1.pk] and event.after["params"] == {"service": "nginx"}


def test_it_dry_runs_every_match_in_shadow_mode(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), mode="shadow", cooldown_seconds=3600, max_per_hour=1)
    for n in range(3):
        post_hook(am_payload("web-1:9100", fingerprint=f"f00dcafe0000000{n}"))
        dispatch_pending()
    runs = list(Execution.objects.all())
    assert len(runs) == 3 and all(e.dry_run and e.status == "pending" for e in runs)


def test_it_holds_approval_mode_runs_for_approval(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(), mode="approval")
    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    execution = Execution.objects.get()
    assert execution.status == "awaiting_approval" and execution.approval_expires_at is not None


def test_it_allows_one_active_execution_per_episode(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    runbook = restart_runbook()
    remediate_rule(runbook, continue_matching=True, priority=1)
    remediate_rule(runbook, name="second")
    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    first = Execution.objects.get()
    suppression = Decision.objects.get().suppressions[0]
    assert suppression["rule"] == "second" and suppression["reason"] == "episode_active"
    with pytest.raises(IntegrityError):  # the database itself refuses a second active run for the episode
        Execution.objects.create(runbook=runbook, version=first.version, alert_episode=first.alert_episode)


def test_it_keeps_the_audit_of_a_run_the_command_policy_refused(post_hook, web1) -> None:  # type: ignore[no-untyped-def]
    remediate_rule(restart_runbook(command="rm -rf / # {{ params.service }}"))
    post_hook(am_payload("web-1:9100"))
    notes = dispatch_pending()
    assert not Execution.objects.exists() and "the plan has problems" in notes[0]
    refused = AuditEvent.objects.get(action="execution.refused")
    assert refused.actor_label == "system" and refused.after["trigger"] == "alert" and refused.after["problems"]
    assert "rm_rf_root" in str(refused.after["problems"])
    assert AuditEvent.objects.get(action="remediation.suppressed").after["reason"] == "refused"
