"""Approvals: approve or reject an execution held for approval; expire unanswered requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from remediation.actors import Actor, may, user_of
from remediation.grants import APPROVE_PERM
from remediation.permissions import APPROVE_EXECUTION, VIEW_ANALYSIS
from remediation.redaction import mask_data
from remediation.services.audit import record_event
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services import live
from runbooks.services.execute import enqueue
from runbooks.services.scope import scope_refusals

APPROVE_PERMISSION = APPROVE_EXECUTION


class ApprovalRefused(Exception):
    """The approval or rejection cannot happen (no longer waiting: decided, expired, cancelled)."""


class ApprovalForbidden(ApprovalRefused):
    """This actor may not decide: no approve permission, or approving their own request."""


def _check(execution: Execution, actor: Actor, *, approving: bool) -> None:
    refusal = decision_refusals([execution], actor=actor, approving=approving).get(execution.pk)
    if refusal is not None:
        raise refusal


def decision_refusals(
    executions: Iterable[Execution], *, actor: Actor, approving: bool = True
) -> dict[int, ApprovalRefused]:
    """Why `actor` may not approve (approving=False: reject) each execution; those they may decide are absent.

    The one set of checks: the approve and reject services raise what it answers, and the approvals queue shows its
    buttons by it (for the whole queue in a fixed number of queries). Approving needs the approve permission, someone
    else's request still awaiting approval, and scope: the approver may approve on every target and a person who
    requested the run may still run there (grants change while a request waits). Rejecting needs only the permission.
    """
    executions = list(executions)
    if not may(actor, APPROVE_PERMISSION):
        return {e.pk: ApprovalForbidden("you need the approve permission") for e in executions}
    refused: dict[int, ApprovalRefused] = {}
    for e in executions:
        if approving and e.requested_by_id is not None and e.requested_by_id == actor.user_id:
            refused[e.pk] = ApprovalForbidden("you cannot approve your own request; ask another approver")
        elif e.status != ExecutionStatus.AWAITING_APPROVAL:
            refused[e.pk] = ApprovalRefused(f"execution #{e.pk} is {e.status}, not awaiting approval")
    if approving:
        refused.update(_scope_refusals([e for e in executions if e.pk not in refused], actor))
    return refused


def _scope_refusals(executions: list[Execution], actor: Actor) -> dict[int, ApprovalRefused]:
    approver = scope_refusals(actor, {e.pk: e.target_ids for e in executions}, perm=APPROVE_PERM)
    refused: dict[int, ApprovalRefused] = {pk: ApprovalForbidden(why) for pk, why in approver.items()}
    by_requester: dict[int, list[Execution]] = {}
    for e in executions:
        if e.pk not in refused and e.requested_by_id is not None:
            by_requester.setdefault(e.requested_by_id, []).append(e)
    for waiting in by_requester.values():  # one requester's permissions and grants, however many requests
        requester = Actor.of(waiting[0].requested_by)
        asked = scope_refusals(requester, {e.pk: e.target_ids for e in waiting}, who="the requester")
        refused.update({pk: ApprovalForbidden(why) for pk, why in asked.items()})
    return refused


def _broadcast(execution: Execution) -> None:
    state = live.execution_state(execution)
    transaction.on_commit(lambda: live.broadcast(execution.pk, {"type": "status", "execution": state}))


def approve_execution(execution: Execution, *, actor: Actor, reason: str = "") -> Execution:
    """Approve: the execution is queued to run exactly the plan that was shown (re-checked when it starts)."""
    expire_due(now=timezone.now(), ids=[execution.pk])  # committed first: an expired request stays expired
    with transaction.atomic():
        row = Execution.objects.select_for_update().get(pk=execution.pk)
        _check(row, actor, approving=True)
        now = timezone.now()
        Execution.objects.transition(
            row.pk,
            [ExecutionStatus.AWAITING_APPROVAL],
            ExecutionStatus.PENDING,
            approved_by=user_of(actor),
            approved_at=now,
            decision_reason=reason.strip(),
        )
        row.refresh_from_db()
        record_event(
            actor=actor,
            action="execution.approved",
            obj=row,
            after={"status": row.status},
            reason=reason.strip(),
        )
        enqueue(row.pk)
        _broadcast(row)
    return row


@transaction.atomic
def reject_execution(execution: Execution, *, actor: Actor, reason: str) -> Execution:
    """Reject with a reason: the execution ends as `rejected` and never runs."""
    if not reason.strip():
        raise ApprovalRefused("say why the request is rejected")
    row = Execution.objects.select_for_update().get(pk=execution.pk)
    _check(row, actor, approving=False)
    Execution.objects.transition(
        row.pk,
        [ExecutionStatus.AWAITING_APPROVAL],
        ExecutionStatus.REJECTED,
        approved_by=user_of(actor),
        approved_at=timezone.now(),
        decision_reason=reason.strip(),
        status_reason=f"rejected: {reason.strip()}",
    )
    row.refresh_from_db()
    record_event(actor=actor, action="execution.rejected", obj=row, reason=reason.strip())
    _broadcast(row)
    return row


@transaction.atomic
def expire_execution(execution: Execution, *, reason: str) -> bool:
    """Move one awaiting execution to `expired` with the reason; False when it was no longer waiting."""
    if not Execution.objects.transition(
        execution.pk, [ExecutionStatus.AWAITING_APPROVAL], ExecutionStatus.EXPIRED, status_reason=reason
    ):
        return False
    execution.refresh_from_db()
    record_event(actor=Actor.system(), action="execution.expired", obj=execution, reason=reason)
    _broadcast(execution)
    return True


def expire_due(*, now: dt.datetime | None = None, ids: list[int] | None = None) -> int:
    """Expire every approval request past its deadline (the runbook's approval timeout); returns how many."""
    now = now or timezone.now()
    due = Execution.objects.filter(status=ExecutionStatus.AWAITING_APPROVAL, approval_expires_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    return sum(
        expire_execution(e, reason=f"no approval decision before {e.approval_expires_at:%Y-%m-%d %H:%M:%S} UTC")
        for e in due
    )


ANALYSIS_PERMISSION = VIEW_ANALYSIS
ANALYSIS_FIELDS = (
    "id",
    "status",
    "summary",
    "probable_cause",
    "impact",
    "recommended_runbook",
    "recommended_params",
    "recommendation_reason",
    "confidence",
    "error_kind",
    "provider_name",
    "model",
    "created_at",
)
PREFETCHED = "analyses_newest_first"


def _analysis_model() -> Any | None:
    try:
        return apps.get_model("ai", "Analysis")
    except LookupError:  # the AI app is optional: approvals work without it
        return None


def analysis_for(execution: Execution, *, actor: Actor | None = None) -> Any | None:
    """The triggering alert's AI analysis (latest valid one, else latest), when the actor may read analyses."""
    if actor is not None and not may(actor, ANALYSIS_PERMISSION):
        return None
    model = _analysis_model()
    if model is None or execution.alert_episode_id is None:
        return None
    loaded = Execution.alert_episode.is_cached(execution)
    prefetched = getattr(execution.alert_episode, PREFETCHED, None) if loaded else None
    if prefetched is not None:  # from approval_queue(): no query per execution
        return next((a for a in prefetched if a.status == "succeeded"), prefetched[0] if prefetched else None)
    analyses = model.objects.filter(alert_id=execution.alert_episode_id).order_by("-id")
    return analyses.filter(status="succeeded").first() or analyses.first()


def analysis_data(analysis: Any | None) -> dict[str, Any] | None:
    """The analysis as plain data for the API, secret-named recommended parameters masked."""
    if analysis is None:
        return None
    data = {name: getattr(analysis, name) for name in ANALYSIS_FIELDS}
    data["recommended_params"] = mask_data(data["recommended_params"])
    return data


def approval_queue() -> Any:
    """Executions waiting for a decision, oldest first, with what an approver needs to see (analyses prefetched)."""
    queryset = (
        Execution.objects.filter(status=ExecutionStatus.AWAITING_APPROVAL)
        .select_related("runbook", "version", "requested_by", "alert_episode", "rule")
        .order_by("created_at", "id")
    )
    model = _analysis_model()
    if model is None:
        return queryset
    # One query for every alert's analyses, whatever the queue length; the large raw answer stays behind.
    analyses = model.objects.only("alert", *ANALYSIS_FIELDS).order_by("-id")
    return queryset.prefetch_related(Prefetch("alert_episode__analyses", queryset=analyses, to_attr=PREFETCHED))
