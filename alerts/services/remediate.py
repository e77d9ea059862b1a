"""The remediate hand-off from a decision to an execution: the alerts app asking the runbooks app to run.

The alerts app registers `handle_remediate` for queued remediate requests. Each request is decided under a row
lock on its rule (guardrails cannot race), and whatever stops it is recorded on the decision with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import ActionRequest, Decision, Rule, Suggestion
from alerts.services import notices
from alerts.services.actions import finish_action_request
from alerts.services.targets import resolve_servers, scope_refusals
from remediation.actors import Actor, may, user_of
from remediation.choices import (
    BreakerState,
    DecisionOutcome,
    NotificationEvent,
    RemediationMode,
    SuppressionReason,
)
from remediation.models import Server
from remediation.notifications import notify
from remediation.permissions import CHANGE_RULE, EXECUTE_RUNBOOK
from remediation.redaction import mask_data
from remediation.services.access import require_permission
from remediation.services.audit import record_event
from runbooks.choices import ExecutionStatus, Trigger
from runbooks.models import Execution
from runbooks.models.runs import ACTIVE_STATUSES
from runbooks.services import guardrails, verification
from runbooks.services import notices as runbook_notices
from runbooks.services.execute import ExecutionRefused, refusals_audited, request_execution
from runbooks.templating import TEXT, TemplateProblem, render

logger = logging.getLogger(__name__)
EXECUTE_PERMISSION = EXECUTE_RUNBOOK


@dataclass(slots=True)
class Outcome:
    """What one remediate request became: an execution, a suggestion, or a suppression with its reason."""

    note: str
    execution_id: int | None = None
    reason: str = ""


def handle_remediate(action_request_id: int) -> None:
    """The registered handler: decide and start (or suppress) one remediate request, then close the request.

    It runs inside the dispatcher's claim transaction (registered atomic), so a worker killed half-way leaves the
    request pending for the sweeper. An engine error rolls back only start_remediation's savepoint and is recorded.
    """
    try:
        outcome = start_remediation(action_request_id, now=timezone.now())
    except Exception as exc:
        logger.exception("remediate request %s failed", action_request_id)
        finish_action_request(action_request_id, ok=False, note=f"engine error: {type(exc).__name__}: {exc}")
        return
    finish_action_request(action_request_id, ok=True, note=outcome.note)


@transaction.atomic
def start_remediation(action_request_id: int, *, now: dt.datetime) -> Outcome:
    """Resolve targets and parameters, apply the mode and every guardrail, and start the execution if allowed."""
    request = ActionRequest.objects.select_related("alert").get(pk=action_request_id)
    # The rule row lock serialises every decision of this rule: cooldown, hourly cap and breaker are race-free.
    rule = Rule.objects.select_for_update(of=("self",)).select_related("runbook").filter(pk=request.rule_id).first()  # type: ignore[misc]  # NULL finds no row
    alert = request.alert
    if rule is None or rule.runbook is None:
        return _suppress(request, SuppressionReason.REFUSED, "the rule no longer exists or names no runbook")
    if alert.status == "resolved":
        return _suppress(request, SuppressionReason.RESOLVED, "the alert resolved before remediation started")
    servers, problem = resolve_servers(rule, alert.labels)
    if not servers:
        return _suppress(request, SuppressionReason.NO_TARGET, problem)
    refused = scope_refusals(rule, alert.source, servers)
    if refused:  # nothing runs, not even on the targets in scope: the alert asked for more than it may
        return _suppress(request, SuppressionReason.OUT_OF_SCOPE, "; ".join(refused))
    params, problems = render_parameters(rule.parameters, alert.labels, alert.annotations)
    if problems:
        return _suppress(request, SuppressionReason.REFUSED, "; ".join(problems))
    target_ids = [s.pk for s in servers]
    if rule.mode == RemediationMode.SUGGEST:
        return _suggest(request, rule, target_ids, params)
    if rule.mode != RemediationMode.SHADOW:
        blocked = _guard(request, rule, target_ids, now=now)
        if blocked is not None:
            return blocked
    return _start(request, rule, target_ids, params)


def _guard(request: ActionRequest, rule: Rule, target_ids: list[int], *, now: dt.datetime) -> Outcome | None:
    alert = request.alert
    suppressor = guardrails.Suppressor(now)
    reason = suppressor.suppression([alert.labels], alert.annotations) or guardrails.check_rule(rule, now=now)
    active = _active(alert.pk) if reason is None else None
    if active is not None:
        reason = SuppressionReason.EPISODE_ACTIVE, f"execution #{active} is already active for this episode"
    if reason is None:
        cooling = guardrails.cooling_targets(rule, target_ids, now=now)
        if cooling and set(cooling) >= set(target_ids):
            until = max(cooling.values())
            reason = SuppressionReason.COOLDOWN, f"every target is cooling down until {until:%Y-%m-%d %H:%M:%S} UTC"
        for pk in cooling:
            target_ids.remove(pk)  # the others still run; skipped ones are named in the audit
    return _suppress(request, *reason) if reason else None


def _active(alert_id: int) -> int | None:
    return (
        Execution.objects.filter(alert_episode_id=alert_id, dry_run=False, status__in=ACTIVE_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )


def _start(request: ActionRequest, rule: Rule, target_ids: list[int], params: dict[str, Any]) -> Outcome:
    alert = request.alert
    shadow = rule.mode == RemediationMode.SHADOW
    assert rule.runbook is not None  # start_remediation returned early without one
    context = alert.run_context()
    try:
        # request_execution is a savepoint of its own: losing the episode-mutex race rolls back only this attempt,
        # and its refusal is audited after that savepoint (kept, as this transaction commits the suppression).
        execution = request_execution(
            rule.runbook,
            actor=Actor.system(),
            params=params,
            target_ids=target_ids,
            dry_run=shadow,
            trigger=Trigger.ALERT,
            alert=context,
            origin={"alert_episode_id": alert.pk, "rule_id": rule.pk},
            require_approval=rule.mode == RemediationMode.APPROVAL,
        )
    except IntegrityError:
        return _suppress(request, SuppressionReason.EPISODE_ACTIVE, "another execution for this episode won the race")
    except ExecutionRefused as exc:
        problems = "; ".join(exc.problems)
        return _suppress(request, SuppressionReason.REFUSED, f"{exc}: {problems}".rstrip(": "))
    kind = "shadow dry-run" if shadow else ("awaiting approval" if execution.status != "pending" else "started")
    return Outcome(f"execution #{execution.pk} {kind} on {len(target_ids)} target(s)", execution.pk)


def _suggest(request: ActionRequest, rule: Rule, target_ids: list[int], params: dict[str, Any]) -> Outcome:
    """Offer the run with the alert (not run); an operator may start it once (run_suggestion)."""
    assert rule.runbook is not None  # start_remediation returned early without one
    suggestion, _ = Suggestion.objects.get_or_create(
        action_request=request,
        defaults={
            "alert": request.alert,
            "rule": rule,
            "runbook": rule.runbook,
            "target_ids": target_ids,
            "params": params,
        },
    )
    after = {
        "suggestion": suggestion.pk,
        "runbook": rule.runbook.name,
        "runbook_id": rule.runbook_id,
        "targets": target_ids,
        "params": params,
    }
    record_event(actor=Actor.system(), action="remediation.suggested", obj=request.alert, after=after)
    return Outcome(f"suggested runbook {rule.runbook.name!r} on {len(target_ids)} target(s) (not run)")


def _suppress(request: ActionRequest, reason: str, detail: str) -> Outcome:
    """Record why nothing ran on the decision (visible with the alert) and in the audit log."""
    decision = Decision.objects.select_for_update().get(pk=request.decision_id)
    rule_name = request.rule.name if request.rule else ""
    entry = {"rule": rule_name, "action": "remediate", "reason": reason, "detail": detail}
    decision.suppressions = [*decision.suppressions, entry]
    if not decision.action_requests.exclude(pk=request.pk).filter(kind="remediate").exists():
        decision.outcome = DecisionOutcome.SUPPRESSED
    decision.save(update_fields=["suppressions", "outcome"])
    record_event(
        actor=Actor.system(),
        action="remediation.suppressed",
        obj=request.alert,
        after={"rule": rule_name, "reason": reason},
        reason=detail,
    )
    if reason != SuppressionReason.RESOLVED:  # a resolved alert needs no one
        notices.remediation_suppressed(alert_id=request.alert_id, rule=request.rule, reason=reason, detail=detail)
    return Outcome(f"suppressed ({reason}): {detail}", reason=reason)


class SuggestionUsed(ExecutionRefused):
    """The suggestion was already started, or another execution is active for its episode."""


def run_suggestion(suggestion: Suggestion, *, actor: Actor, override_reason: str = "") -> Execution:
    """An operator starts a suggested run: a manual request tied to the episode, started at most once.

    The kill switch, maintenance windows, command policy, runbook approval and the one-active-execution-per-episode
    constraint apply as to any manual run; a refusal leaves the suggestion usable and is audited.
    """
    if not may(actor, EXECUTE_PERMISSION):
        raise PermissionDenied("Starting a suggested run needs the execute permission.")
    audited = refusals_audited(
        suggestion.runbook,
        actor=actor,
        trigger=Trigger.SUGGESTION,
        targets=suggestion.target_ids,
        suggestion=suggestion.pk,
    )
    with audited, transaction.atomic():
        # The conditional UPDATE claims the suggestion: a second click waits for the first, then finds it used.
        now = timezone.now()
        if not Suggestion.objects.filter(pk=suggestion.pk, used_at__isnull=True).update(
            used_at=now, used_by=user_of(actor)
        ):
            raise SuggestionUsed(f"suggestion #{suggestion.pk} was already started; it runs once")
        row = Suggestion.objects.select_related("alert", "runbook").get(pk=suggestion.pk)  # fresh alert status
        execution = _request_suggested(row, actor, override_reason)
        Suggestion.objects.filter(pk=row.pk).update(execution=execution)
        after = {"suggestion": row.pk, "execution": execution.pk, "status": execution.status}
        record_event(actor=actor, action="remediation.suggestion_started", obj=row.alert, after=after)
    suggestion.refresh_from_db()
    return execution


def _request_suggested(suggestion: Suggestion, actor: Actor, override_reason: str) -> Execution:
    alert = suggestion.alert
    if alert.status == "resolved":
        raise ExecutionRefused(f"alert #{alert.pk} has resolved; a resolved alert never starts an execution")
    context = alert.run_context()
    try:
        return request_execution(
            suggestion.runbook,
            actor=actor,
            params=suggestion.params,
            target_ids=suggestion.target_ids,
            trigger=Trigger.SUGGESTION,
            alert=context,
            origin={"alert_episode_id": alert.pk, "rule_id": suggestion.rule_id},
            override_reason=override_reason,
        )
    except IntegrityError:
        raise SuggestionUsed(f"another execution is already active for alert #{alert.pk}") from None


def suggestions_of(alert: Any) -> list[Suggestion]:
    """The alert's suggestions with their target servers' names and masked parameters, for the portal and API."""
    suggestions = list(Suggestion.objects.filter(alert=alert).select_related("runbook", "rule", "used_by", "execution"))
    ids = {pk for s in suggestions for pk in s.target_ids}
    names = dict(Server.objects.filter(pk__in=ids).values_list("pk", "name"))
    for suggestion in suggestions:
        suggestion.target_names = [names.get(pk, f"#{pk} (deleted)") for pk in suggestion.target_ids]  # type: ignore[attr-defined]
        suggestion.shown_params = mask_data(suggestion.params)  # type: ignore[attr-defined]
    return suggestions


def render_parameters(
    templates: dict[str, str], labels: dict[str, str], annotations: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Fill runbook parameters from the alert through the runbooks' sandboxed templating (values stay data)."""
    context = {"labels": labels, "annotations": annotations, "alert": {"labels": labels, "annotations": annotations}}
    values: dict[str, str] = {}
    problems: list[str] = []
    for name, source in templates.items():
        try:
            values[name] = render(source, TEXT, context)
        except TemplateProblem as exc:
            problems.append(f"parameter {name!r}: {exc}")
    return values, problems


def record_resolutions(alert_ids: list[int], *, now: dt.datetime) -> None:
    """Episodes resolved: expire their pending approvals and record verification of their runs."""
    for execution in Execution.objects.filter(alert_episode_id__in=alert_ids, status=ExecutionStatus.AWAITING_APPROVAL):
        from runbooks.services.approvals import expire_execution

        expire_execution(execution, reason=f"the alert resolved at {now:%Y-%m-%d %H:%M:%S} UTC; no longer needed")
    verification.record_resolved(alert_ids, now=now)


def breaker_of(rule: Rule, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The rule's circuit breaker state (closed / open / half-open) for the API, admin and portal."""
    return guardrails.breaker_state(rule, now=now or timezone.now()).as_dict()


@transaction.atomic
def reset_breaker(rule: Rule, *, actor: Actor, reason: str) -> Rule:
    """An admin closes the breaker: failures before now are forgotten; audited with the reason. Needs change_rule."""
    require_permission(actor, CHANGE_RULE)
    if not reason.strip():
        raise ValueError("Say why the breaker is reset.")
    before = breaker_of(rule)
    rule.breaker_reset_at = timezone.now()
    if before["state"] != BreakerState.CLOSED:
        summary = f"circuit breaker of rule {rule.name!r} closed by {Actor.of(actor).display}: {reason.strip()}"
        notify(runbook_notices.breaker_event(NotificationEvent.BREAKER_CLOSED, rule, summary, reset=True))
    rule.save(update_fields=["breaker_reset_at"])
    record_event(
        actor=actor,
        action="rule.breaker_reset",
        obj=rule,
        before={"breaker": before["state"]},
        after={"breaker": "closed"},
        reason=reason.strip(),
    )
    return rule


def rule_stats(rule: Rule) -> dict[str, Any]:
    """Success rate, resolved-within-window rate and median time to resolve of a rule's runs."""
    return verification.execution_stats(Execution.objects.filter(rule=rule))


def all_rule_stats() -> dict[int, dict[str, Any]]:
    """Those stats for every rule that has runs (admin list columns)."""
    return verification.stats_by("rule_id")
