"""Portal pages of the runbooks app: runbooks with their plan, executions and the live execution view."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from remediation.permissions import CANCEL_EXECUTION, EXECUTE_RUNBOOK, VIEW_EXECUTION, VIEW_RUNBOOK
from runbooks.models import Execution, Runbook
from runbooks.services import approvals, verification
from runbooks.services import execute as execute_service
from runbooks.services.live import snapshot
from runbooks.services.plan import plan_runbook
from runbooks.services.scope import OutOfScope


def parse_inputs(data: Any) -> tuple[dict[str, str], list[int | str]]:
    """`params` as key=value lines and `targets` as comma-separated server ids, from a form."""
    params = {}
    for line in (data.get("params") or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            params[key.strip()] = value.strip()
    targets: list[int | str] = []
    for item in (data.get("targets") or "").replace(" ", "").split(","):
        if item:
            targets.append(int(item) if item.isdigit() else item)
    return params, targets


@require_safe
@login_required
@permission_required(VIEW_RUNBOOK, raise_exception=True)
def runbook_list(request: HttpRequest) -> HttpResponse:
    """All runbooks."""
    runbooks = Runbook.objects.prefetch_related("steps").order_by("name")
    return render(request, "runbooks/runbook_list.html", {"runbooks": runbooks})


@require_safe
@login_required
@permission_required(VIEW_RUNBOOK, raise_exception=True)
def runbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A runbook, its steps and its plan for the parameters and targets in the query string."""
    runbook = get_object_or_404(Runbook.objects.prefetch_related("steps"), pk=pk)
    params, targets = parse_inputs(request.GET)
    plan = None
    if runbook.versions.exists():
        try:
            plan = plan_runbook(runbook, params=params, target_ids=targets, actor=request.user)
        except OutOfScope as exc:
            messages.error(request, str(exc))
    context = {
        "runbook": runbook,
        "plan": plan,
        "params_text": request.GET.get("params", ""),
        "targets_text": request.GET.get("targets", ""),
        "can_execute": request.user.has_perm(EXECUTE_RUNBOOK),
        "can_override": request.user.has_perm(execute_service.OVERRIDE_PERMISSION),
        "stats": verification.execution_stats(runbook.executions.all()),
    }
    return render(request, "runbooks/runbook_detail.html", context)


@login_required
@permission_required(EXECUTE_RUNBOOK, raise_exception=True)
@require_POST
def runbook_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """Request an execution (or a dry run) and go to its live view."""
    runbook = get_object_or_404(Runbook, pk=pk)
    params, targets = parse_inputs(request.POST)
    # Only holders of the override permission are shown the field; anyone else's reason is ignored.
    can_override = request.user.has_perm(execute_service.OVERRIDE_PERMISSION)
    override = request.POST.get("override_reason", "") if can_override else ""
    try:
        execution = execute_service.request_execution(
            runbook,
            actor=request.user,
            params=params,
            target_ids=targets,
            dry_run=bool(request.POST.get("dry_run")),
            trigger="manual",
            override_reason=override,
        )
    except execute_service.ExecutionRefused as exc:
        messages.error(request, str(exc))
        # Back to the form with what was typed (URL-encoded: params are newline-separated key=value lines).
        typed = {"params": request.POST.get("params", ""), "targets": request.POST.get("targets", "")}
        return redirect(f"{runbook_url(runbook)}?{urlencode(typed)}")
    return redirect("runbooks:execution", pk=execution.pk)


def runbook_url(runbook: Runbook) -> str:
    from django.urls import reverse

    return reverse("runbooks:detail", args=[runbook.pk])


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def execution_list(request: HttpRequest) -> HttpResponse:
    """Executions, newest first, filterable by status."""
    executions = Execution.objects.select_related("runbook", "requested_by").order_by("-id")
    status = request.GET.get("status", "")
    if status:
        executions = executions.filter(status=status)
    page = Paginator(executions, 50).get_page(request.GET.get("page"))
    return render(request, "runbooks/execution_list.html", {"page": page, "status": status})


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def execution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Live view: rendered from a snapshot (correct on reload), then kept current over the WebSocket."""
    execution = get_object_or_404(Execution.objects.select_related("runbook", "version"), pk=pk)
    context = {
        "execution": execution,
        "snapshot": snapshot(execution),
        "can_cancel": request.user.has_perm(CANCEL_EXECUTION) and not execution.is_finished,
    }
    return render(request, "runbooks/execution_detail.html", context)


@login_required
@permission_required(CANCEL_EXECUTION, raise_exception=True)
@require_POST
def execution_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    execution = get_object_or_404(Execution, pk=pk)
    try:
        execute_service.cancel_execution(execution, actor=request.user)
        messages.success(request, "Cancel requested.")
    except execute_service.ExecutionRefused as exc:
        messages.error(request, str(exc))
    return redirect("runbooks:execution", pk=pk)


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def approval_list(request: HttpRequest) -> HttpResponse:
    """The approvals queue: each request with its alert, rendered plan per target and any AI analysis."""
    items = [
        {"execution": e, "analysis": approvals.analysis_for(e, actor=request.user)} for e in approvals.approval_queue()
    ]
    can_decide = request.user.has_perm(approvals.APPROVE_PERMISSION)
    return render(request, "runbooks/approval_list.html", {"items": items, "can_decide": can_decide})


@login_required
@permission_required(approvals.APPROVE_PERMISSION, raise_exception=True)
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one request from the queue (the form says which, with the reason)."""
    execution = get_object_or_404(Execution, pk=pk)
    service = approvals.approve_execution if request.POST.get("decision") == "approve" else approvals.reject_execution
    try:
        service(execution, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"Execution #{pk}: {request.POST.get('decision', 'reject')}d.")
    except approvals.ApprovalRefused as exc:
        messages.error(request, str(exc))
    return redirect("runbooks:approvals")
