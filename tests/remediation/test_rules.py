"""Rule evaluation through the webhook: order, continue, ignore, status filter, cache invalidation, decisions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alerts.models import ActionRequest, Alert, Decision, Rule
from alerts.services.rules import active_rules, save_rule
from remediation.actors import Actor
from runbooks.services.definitions import save_runbook
from tests.factories import RuleFactory, RuleMatcherFactory
from tests.webhooks import payload

pytestmark = pytest.mark.django_db

CHECKOUT = {"name": "service", "op": "=", "value": "checkout"}


def _rule(name: str, action: str, priority: int = 100, **extra: object) -> Rule:
    rule = RuleFactory(name=name, action=action, priority=priority, **extra)
    RuleMatcherFactory(rule=rule, **CHECKOUT)
    return rule


def test_it_records_the_first_matching_rule_by_priority_then_id(post_hook) -> None:  # type: ignore[no-untyped-def]
    _rule("late", "analyze", priority=200)
    first = _rule("tie-a", "record", priority=50)
    _rule("tie-b", "analyze", priority=50)
    post_hook(payload("am_firing_3alerts"))
    decisions = Decision.objects.all()
    assert decisions.count() == 3
    assert {(d.rule_id, d.action, d.outcome) for d in decisions} == {(first.pk, "record", "recorded")}
    assert not ActionRequest.objects.exists()


def test_it_keeps_evaluating_after_a_continue_rule(post_hook) -> None:  # type: ignore[no-untyped-def]
    a = _rule("analyze-and-continue", "analyze", priority=1, continue_matching=True)
    b = _rule("remediate", "remediate", priority=2)
    _rule("never-reached", "analyze", priority=3)
    post_hook(payload("am_firing_3alerts"))
    decision = Decision.objects.first()
    assert [m["id"] for m in decision.matched] == [a.pk, b.pk]
    assert decision.outcome == "queued"
    assert sorted(ActionRequest.objects.values_list("kind", flat=True)) == ["analyze"] * 3 + ["remediate"] * 3


def test_it_marks_ignored_alerts_and_queues_nothing(post_hook) -> None:  # type: ignore[no-untyped-def]
    _rule("analyze-first", "analyze", priority=1, continue_matching=True)
    _rule("mute", "ignore", priority=2)
    response = post_hook(payload("am_firing_3alerts"))
    assert response.json()["ignored"] == 3
    assert set(Alert.objects.values_list("ignored", flat=True)) == {True}
    assert not ActionRequest.objects.exists()
    decision = Decision.objects.first()
    assert decision.outcome == "ignored"
    assert decision.suppressions[0]["reason"] == "ignored"


def test_it_applies_the_status_filter(post_hook) -> None:  # type: ignore[no-untyped-def]
    _rule("on-resolve", "analyze", status_filter="resolved")
    post_hook(payload("am_firing_3alerts"))
    assert set(Decision.objects.values_list("outcome", flat=True)) == {"no_match"}
    post_hook(payload("am_resolved_3alerts"))
    resolved = Decision.objects.filter(status="resolved")
    assert resolved.count() == 3
    assert set(resolved.values_list("outcome", flat=True)) == {"queued"}
    assert ActionRequest.objects.count() == 3


def test_it_never_queues_twice_for_a_repeated_delivery(post_hook) -> None:  # type: ignore[no-untyped-def]
    _rule("analyze", "analyze")
    for _ in range(3):
        post_hook(payload("am_firing_3alerts"))
    assert Decision.objects.count() == 3
    assert ActionRequest.objects.count() == 3


def test_it_skips_disabled_rules(post_hook) -> None:  # type: ignore[no-untyped-def]
    _rule("off", "analyze", enabled=False)
    post_hook(payload("am_firing_3alerts"))
    assert not ActionRequest.objects.exists()


def test_it_recompiles_rules_after_a_change(admin_user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    rule = _rule("watch", "record")
    compiled = active_rules()
    assert active_rules() is compiled  # cached: the same compiled tuple until something changes
    rule.action = "analyze"
    with django_capture_on_commit_callbacks(execute=True):
        save_rule(rule, [{"name": "severity", "op": "=~", "value": "crit.*"}], actor=Actor.of(admin_user))
    fresh = active_rules()
    assert fresh is not compiled
    assert fresh[0].action == "analyze"
    assert str(fresh[0].matchers[0]) == 'severity=~"crit.*"'


@pytest.mark.django_db(transaction=True)  # the foreign key is checked at a real COMMIT
def test_it_recovers_when_another_process_deleted_a_cached_rule(post_hook) -> None:  # type: ignore[no-untyped-def]
    gone = _rule("deleted-elsewhere", "analyze")
    assert [r.id for r in active_rules()] == [gone.pk]  # compiled and cached in this process
    Rule.objects.filter(pk=gone.pk).delete()  # as another process would, before this one hears about it
    response = post_hook(payload("am_firing_3alerts"))
    assert response.status_code == 202
    assert set(Decision.objects.values_list("outcome", flat=True)) == {"no_match"}
    assert not ActionRequest.objects.exists()


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("auto", "runs a runbook"),
        ("approval", "runs a runbook once approved"),
        ("suggest", "suggests a runbook"),
        ("shadow", "dry-runs a runbook"),
    ],
)
def test_it_refuses_a_remediate_rule_without_a_runbook_in_every_mode(admin_user, mode: str, says: str) -> None:  # type: ignore[no-untyped-def]
    rule = Rule(name="restart", action="remediate", mode=mode)
    with pytest.raises(ValidationError) as refused:
        save_rule(rule, [CHECKOUT], actor=Actor.of(admin_user))
    assert refused.value.message_dict == {"runbook": [f"A remediate rule in {mode} mode {says}: choose the runbook."]}
    assert not Rule.objects.exists()


def test_it_needs_no_runbook_for_other_actions_and_saves_a_remediate_rule_with_one(admin_user) -> None:  # type: ignore[no-untyped-def]
    for action in ("record", "analyze", "ignore"):
        save_rule(Rule(name=f"{action}-rule", action=action, mode="suggest"), [CHECKOUT], actor=Actor.of(admin_user))
    runbook = save_runbook(
        {"name": "restart", "steps": [{"name": "restart", "command": "true"}]}, actor=Actor.of("test")
    )
    saved = save_rule(Rule(name="restart", action="remediate", runbook=runbook), [CHECKOUT], actor=Actor.of(admin_user))
    assert saved.pk and Rule.objects.count() == 4
    saved.runbook = None
    with pytest.raises(ValidationError, match="choose the runbook"):
        save_rule(saved, None, actor=Actor.of(admin_user))
