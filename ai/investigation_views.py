"""Portal pages of investigations: the list, one investigation (live over /ws/investigations/<id>/), and the POSTed
actions: start (from an alert page), approve or reject a pending command, stop. Each calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ai.choices import CommandStatus
from ai.models import CommandRequest, Investigation
from ai.services import investigation_live as live
from ai.services.investigations import (
    InvestigationRefused,
    decide_command,
    start_investigation,
    stop_investigation,
)
from ai.services.providers import ProviderUnavailable, chosen_provider, enabled_providers
from alerts.models import Alert
from remediation.actors import Actor
from remediation.grants import APPROVE_PERM, runnable_ids
from remediation.hooks import PendingApproval
from remediation.models import Server
from remediation.permissions import APPROVE_EXECUTION, EXECUTE_RUNBOOK, VIEW_INVESTIGATION
from runbooks.models import Runbook
from runbooks.targets import target_choices

# Shown as a message on the page the form came from; PermissionDenied is not among them: it answers 403.
REFUSALS = (InvestigationRefused, ValidationError, ProviderUnavailable)


def _say(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Where the form came from (the approvals queue or the investigation page), only if it is this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@require_safe
@login_required
@permission_required(VIEW_INVESTIGATION, raise_exception=True)
def investigation_list(request: HttpRequest) -> HttpResponse:
    """Investigations, newest first."""
    rows = Investigation.objects.select_related("alert", "server", "requested_by").order_by("-id")[:100]
    context: dict[str, Any] = {"investigations": rows, "can_investigate": request.user.has_perm(EXECUTE_RUNBOOK)}
    if context["can_investigate"]:  # start one on a server: the servers this person may run on, by name
        context.update(servers=target_choices(request.user), providers=enabled_providers())
    return render(request, "ai/investigation_list.html", context)


def runbook_links() -> dict[str, str]:
    """Enabled runbooks by name → their page: where a finding's recommended runbook links to."""
    rows = Runbook.objects.filter(enabled=True).values_list("name", "pk")
    return {name: reverse("runbooks:detail", args=[pk]) for name, pk in rows}


@require_safe
@login_required
@permission_required(VIEW_INVESTIGATION, raise_exception=True)
def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One investigation; static/js/investigation.js renders the snapshot and applies the socket's events."""
    investigation = get_object_or_404(Investigation.objects.select_related("alert", "server", "requested_by"), pk=pk)
    user: Any = request.user
    context = {
        "investigation": investigation,
        "snapshot": live.snapshot(investigation),
        "runbooks": runbook_links(),
        "can_decide": user.has_perm(APPROVE_EXECUTION) and user.pk != investigation.requested_by_id,
        "can_stop": user.pk == investigation.requested_by_id or user.has_perm(APPROVE_EXECUTION),
    }
    return render(request, "ai/investigation.html", context)


@login_required
@permission_required(EXECUTE_RUNBOOK, raise_exception=True)
@require_POST
def investigation_start(request: HttpRequest) -> HttpResponse:
    """Start one from an alert page (or a server): goal, optional provider; the worker picks it up."""
    alert_id, server_ref = request.POST.get("alert", ""), request.POST.get("server", "").strip()
    alert = get_object_or_404(Alert, pk=int(alert_id)) if alert_id.isdigit() else None
    # A server by id (API habit) or by the name the list page's picker sends.
    lookup: dict[str, int | str] = {"pk": int(server_ref)} if server_ref.isdigit() else {"name": server_ref}
    server = get_object_or_404(Server, **lookup) if server_ref else None
    back = reverse("alerts:detail", args=[alert.pk]) if alert is not None else reverse("ai:investigations")
    try:
        investigation = start_investigation(
            actor=Actor.of(request.user),
            goal=request.POST.get("goal", ""),
            alert=alert,
            server=server,
            provider=chosen_provider(request.POST.get("provider")),
        )
    except REFUSALS as exc:
        _say(request, exc)
        return redirect(back)
    messages.success(request, f"Investigation #{investigation.pk} started.")
    return redirect("ai:investigation", pk=investigation.pk)


@login_required
@permission_required(APPROVE_EXECUTION, raise_exception=True)
@require_POST
def command_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one pending command (the form says which, with an optional reason)."""
    command = get_object_or_404(CommandRequest, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        decide_command(command, actor=Actor.of(request.user), approve=approve, reason=request.POST.get("reason", ""))
        messages.success(request, f"Command {'approved' if approve else 'rejected'}: {command.command}")
    except REFUSALS as exc:
        _say(request, exc)
    return _back(request, reverse("ai:investigation", args=[command.investigation_id]))


@login_required
@permission_required(VIEW_INVESTIGATION, raise_exception=True)
@require_POST
def investigation_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop it (its requester or an approver; the service decides)."""
    investigation = get_object_or_404(Investigation, pk=pk)
    try:
        stop_investigation(investigation, actor=Actor.of(request.user))
        messages.success(request, "Investigation stopped.")
    except REFUSALS as exc:
        _say(request, exc)
    return redirect("ai:investigation", pk=pk)


def pending_approvals(user: Any) -> list[PendingApproval]:
    """The approvals queue's share of investigations (a registered hook): commands waiting for a person, oldest
    first, with the decision form for those this user may decide."""
    if not user.has_perm(VIEW_INVESTIGATION):
        return []
    waiting = CommandRequest.objects.filter(status=CommandStatus.PENDING).select_related(
        "investigation__requested_by", "server"
    )
    rows = list(waiting.order_by("id")[:200])
    # services.investigations.may_decide for every row in one grant query: an approver with a grant on the server
    # (or on any server), never the person who started the investigation.
    servers = [c.server for c in rows if c.server is not None]
    allowed = runnable_ids(user, servers, perm=APPROVE_PERM) if servers else set()
    return [
        PendingApproval(
            kind="investigation command",
            title=f"Investigation #{c.investigation_id}: {c.investigation.goal[:80]}",
            url=reverse("ai:investigation", args=[c.investigation_id]),
            command=c.command,
            target=c.server_name,
            reason=c.why,
            requested_by=str(c.investigation.requested_by or ""),
            created_at=c.created_at,
            decide_url=reverse("ai:command-decide", args=[c.pk]) if _decides(user, c, allowed) else "",
        )
        for c in rows
    ]


def _decides(user: Any, command: CommandRequest, allowed: set[int]) -> bool:
    return command.server_id in allowed and user.pk != command.investigation.requested_by_id
