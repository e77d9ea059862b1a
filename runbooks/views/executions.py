"""Portal pages of executions: the list, the live view and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from remediation.actors import Actor
from remediation.permissions import CANCEL_EXECUTION, VIEW_EXECUTION
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services import execute as execute_service
from runbooks.services.live import snapshot
from runbooks.targets import target_names


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def execution_list(request: HttpRequest) -> HttpResponse:
    """Executions, newest first, filterable by status; `?fragment=rows` returns only the rows for polling."""
    executions = Execution.objects.select_related("runbook", "requested_by").order_by("-id")
    status = request.GET.get("status", "").strip().lower()
    if status not in ExecutionStatus.values:
        status = ""
    if status:
        executions = executions.filter(status=status)
    page = Paginator(executions, 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": ExecutionStatus.choices}
    if request.GET.get("fragment") == "rows":  # what the page polls for live updates
        return render(request, "runbooks/_execution_rows.html", context)
    return render(request, "runbooks/execution_list.html", context)


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def execution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Live view: rendered from a snapshot (correct on reload), then kept current over the WebSocket."""
    related = ("runbook", "version", "requested_by", "approved_by", "cancelled_by", "alert_episode")
    execution = get_object_or_404(Execution.objects.select_related(*related), pk=pk)
    state = snapshot(execution)
    context = {
        "execution": execution,
        "snapshot": state,
        "state": state["execution"],
        "target_names": target_names(execution.target_ids),
        "can_cancel": request.user.has_perm(CANCEL_EXECUTION) and not execution.is_finished,
    }
    return render(request, "runbooks/execution_detail.html", context)


@login_required
@permission_required(CANCEL_EXECUTION, raise_exception=True)
@require_POST
def execution_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    execution = get_object_or_404(Execution, pk=pk)
    try:
        execute_service.cancel_execution(execution, actor=Actor.of(request.user))
        messages.success(request, "Cancel requested.")
    except execute_service.ExecutionRefused as exc:
        messages.error(request, str(exc))
    return redirect("runbooks:execution", pk=pk)
