"""Portal pages of runbook definitions: the list, one runbook with its plan, and the form that runs it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from remediation.actors import Actor
from remediation.permissions import EXECUTE_RUNBOOK, VIEW_RUNBOOK
from runbooks.models import Runbook
from runbooks.services import execute as execute_service
from runbooks.services import verification
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
            plan = plan_runbook(runbook, params=params, target_ids=targets, actor=Actor.of(request.user))
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
            actor=Actor.of(request.user),
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
