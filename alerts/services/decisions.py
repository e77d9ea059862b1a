"""Recording what the rules decided for new alert episodes, with suppressions, and queueing their effects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from alerts import metrics
from alerts.models import ActionRequest, Decision
from alerts.services import notices
from alerts.services.actions import enqueue_action_requests
from alerts.services.rules import Verdict, active_rules, evaluate
from remediation.bulk import bulk_insert
from remediation.choices import DecisionOutcome, RuleAction, SuppressionReason
from runbooks.services.guardrails import Suppressor

EFFECTS = (RuleAction.ANALYZE, RuleAction.REMEDIATE)


@dataclass(slots=True)
class DecisionEvent:
    """An alert episode that needs a decision: just created, or just resolved."""

    alert_id: int
    status: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    verdict: Verdict


def _plan(event: DecisionEvent, guards: Suppressor | None) -> tuple[Decision, list[ActionRequest]]:
    verdict = event.verdict
    first = verdict.matched[0] if verdict.matched else None
    suppressions: list[dict[str, Any]] = []
    requests: list[ActionRequest] = []
    ignoring = next((r for r in verdict.matched if r.action == RuleAction.IGNORE), None)
    for rule in verdict.matched:
        if rule.action not in EFFECTS:
            continue
        reason: tuple[str, str] | None = (
            (SuppressionReason.IGNORED, f"ignored by rule {ignoring.name!r}") if ignoring else None
        )
        if reason is None and rule.action == RuleAction.REMEDIATE and guards is not None:
            reason = guards.suppression([event.labels], event.annotations)
        if reason is not None:
            suppressions.append({"rule": rule.name, "action": rule.action, "reason": reason[0], "detail": reason[1]})
            continue
        requests.append(ActionRequest(alert_id=event.alert_id, rule_id=rule.id, kind=rule.action))
    decision = Decision(
        alert_id=event.alert_id,
        status=event.status,
        rule_id=first.id if first else None,
        rule_name=first.name if first else "",
        action=first.action if first else "",
        outcome=_outcome(verdict, requests, suppressions),
        matched=[{"id": r.id, "name": r.name, "action": r.action} for r in verdict.matched],
        suppressions=suppressions,
    )
    return decision, requests


def _outcome(verdict: Verdict, requests: list[ActionRequest], suppressions: list[dict[str, Any]]) -> str:
    if not verdict.matched:
        return DecisionOutcome.NO_MATCH
    if verdict.ignored:
        return DecisionOutcome.IGNORED
    if requests:
        return DecisionOutcome.QUEUED
    return DecisionOutcome.SUPPRESSED if suppressions else DecisionOutcome.RECORDED


def record_decisions(events: list[DecisionEvent], *, now: dt.datetime) -> list[Decision]:
    """Store one decision per event and its action requests; each request is enqueued once, after commit."""
    if not events:
        return []
    needs_guards = any(r.action == RuleAction.REMEDIATE for e in events for r in e.verdict.matched)
    guards = Suppressor(now) if needs_guards else None
    planned = [_plan(event, guards) for event in events]
    decisions = bulk_insert(Decision, [decision for decision, _ in planned])
    requests: list[ActionRequest] = []
    for decision, (_, pending) in zip(decisions, planned, strict=True):
        for request in pending:
            request.decision = decision
            requests.append(request)
        metrics.ALERT_DECISIONS.labels(action=decision.action or "none", outcome=decision.outcome).inc()
    for event, decision in zip(events, decisions, strict=True):
        _notify_suppressed(event, decision)
    resolved = [e.alert_id for e in events if e.status == "resolved"]
    if resolved:
        from alerts.services.remediate import record_resolutions  # the one module importing the runbooks app

        record_resolutions(resolved, now=now)
    if requests:
        ActionRequest.objects.bulk_create(requests)
        enqueue_action_requests(*(r.pk for r in requests))
    return decisions


def _notify_suppressed(event: DecisionEvent, decision: Decision) -> None:
    """Tell people a remediation was suppressed when the decision was made (not when a rule said ignore)."""
    rules = {rule.name: rule for rule in event.verdict.matched}
    for entry in decision.suppressions:
        if entry["action"] == RuleAction.REMEDIATE and entry["reason"] != SuppressionReason.IGNORED:
            rule = rules.get(entry["rule"])
            notices.remediation_suppressed(
                alert_id=decision.alert_id, rule=rule, reason=entry["reason"], detail=entry["detail"]
            )


def simulate_alert(
    labels: Mapping[str, str], annotations: Mapping[str, str], status: str, source: str | None = None
) -> dict[str, Any]:
    """What the current rules, kill switch and maintenance windows would do to such an alert now (no writes).

    With a `source` (a webhook token's name), that token's rule scope and the rules' source lists apply too.
    """
    rules: tuple[Any, ...] | list[Any] = active_rules()
    if source is not None:
        from alerts.services.webhook_tokens import rules_heard_by

        rules = rules_heard_by(source, rules)
    verdict = evaluate(rules, labels, annotations, status, explain=True, source=source)
    event = DecisionEvent(0, status, labels, annotations, verdict)
    needs_guards = any(r.action == RuleAction.REMEDIATE for r in verdict.matched)
    decision, requests = _plan(event, Suppressor(timezone.now()) if needs_guards else None)
    return {
        "rule": {"id": decision.rule_id, "name": decision.rule_name} if decision.rule_id else None,
        "action": decision.action,
        "outcome": decision.outcome,
        "matched": decision.matched,
        "queued": [r.kind for r in requests],
        "suppressions": decision.suppressions,
        "reasoning": verdict.steps,
    }
