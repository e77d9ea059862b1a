"""Runbook executions the chat assistant proposed: shown with their dry-run plan, confirmed or declined by the user.

A confirmation becomes a normal execution request (trigger `chat`) through the runbook engine, so the runbook's
approval requirement, command policy and guardrails apply exactly as for a request made by hand.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from ai.catalogue import runbook_catalogue
from ai.choices import ProposalStatus
from ai.models import ChatMessage, ChatProposal
from remediation.actors import Actor, may
from remediation.models import Server
from remediation.permissions import EXECUTE_RUNBOOK
from remediation.redaction import mask_text
from remediation.services.audit import record_event
from runbooks.choices import Trigger
from runbooks.models import Runbook
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.plan import plan_runbook


class ProposalRefused(Exception):
    """The proposal cannot be confirmed or declined (already decided, or the user may not request executions)."""


def _target_ids(names: list[str]) -> list[Any]:
    """Server ids for the names the assistant gave; an unknown name stays as is and the plan reports it."""
    known = dict(Server.objects.filter(name__in=names).values_list("name", "pk"))
    return [known.get(name, name) for name in names]


def _alert_of(message: ChatMessage) -> dict[str, Any] | None:
    alert = message.session.alert
    if alert is None:
        return None
    return alert.run_context()


def create_proposal(message: ChatMessage, arguments: str) -> ChatProposal | None:
    """Store a tool call as a proposal with its dry-run plan (nothing is contacted); None when it is malformed."""
    try:
        data = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return None
    names = {item["name"] for item in runbook_catalogue()}
    if not isinstance(data, dict) or data.get("runbook") not in names or not isinstance(data.get("params", {}), dict):
        return None
    params = {str(k): v for k, v in (data.get("params") or {}).items() if isinstance(v, str | int | float | bool)}
    targets = [str(t)[:200] for t in data.get("targets") or [] if isinstance(t, str | int)][:50]
    target_ids = _target_ids(targets)
    runbook = Runbook.objects.get(name=data["runbook"])
    # the model's proposal is a preview for the chat: the owner's scope is checked when they confirm it
    plan = plan_runbook(runbook, params=params, target_ids=target_ids, alert=_alert_of(message), actor=Actor.system())
    return ChatProposal.objects.create(
        session=message.session,
        message=message,
        runbook_name=runbook.name,
        params=params,
        targets=targets,
        target_ids=[t for t in target_ids if isinstance(t, int)],
        plan=plan.to_json(),
        reason=str(data.get("reason", ""))[:2000],
    )


def _claim(proposal: ChatProposal, status: str) -> ChatProposal:
    locked = ChatProposal.objects.select_for_update(of=("self",)).select_related("session__alert").get(pk=proposal.pk)
    if locked.status != ProposalStatus.PROPOSED:
        raise ProposalRefused("This proposal was already decided.")
    locked.status, locked.decided_at = status, timezone.now()
    return locked


@transaction.atomic
def decline_proposal(proposal: ChatProposal, *, actor: Actor) -> ChatProposal:
    """The user says no; nothing is requested."""
    locked = _claim(proposal, ProposalStatus.DECLINED)
    locked.save(update_fields=["status", "decided_at"])
    record_event(actor=actor, action="chat.proposal_declined", obj=locked.session, after={"proposal": locked.pk})
    return locked


@transaction.atomic
def confirm_proposal(proposal: ChatProposal, *, actor: Actor) -> ChatProposal:
    """The owner confirms: a normal execution request with trigger `chat` (approval and policy still apply)."""
    if not may(actor, EXECUTE_RUNBOOK):
        raise ProposalRefused("Requesting runbook executions needs the execute permission.")
    locked = _claim(proposal, ProposalStatus.CONFIRMED)
    runbook = Runbook.objects.filter(name=locked.runbook_name).first()
    try:
        if runbook is None:
            raise ExecutionRefused(f"runbook {locked.runbook_name!r} no longer exists")
        execution = request_execution(
            runbook,
            actor=actor,
            params=locked.params,
            target_ids=_target_ids(locked.targets),
            trigger=Trigger.CHAT,
            alert=_alert_of(locked.message),
        )
        locked.execution_id = execution.pk
    except ExecutionRefused as exc:
        locked.status, locked.error = ProposalStatus.FAILED, mask_text(str(exc))[:2000]
    locked.save(update_fields=["status", "decided_at", "execution_id", "error"])
    record_event(
        actor=actor,
        action="chat.proposal_confirmed",
        obj=locked.session,
        after={
            "proposal": locked.pk,
            "runbook": locked.runbook_name,
            "execution": locked.execution_id,
            "error": locked.error,
        },
    )
    return locked
