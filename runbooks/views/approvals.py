"""Portal pages of the approvals queue: list and decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST, require_safe

from remediation import hooks
from remediation.actors import Actor
from remediation.permissions import VIEW_EXECUTION
from runbooks.models import Execution
from runbooks.services import approvals


@require_safe
@login_required
@permission_required(VIEW_EXECUTION, raise_exception=True)
def approval_list(request: HttpRequest) -> HttpResponse:
    """The approvals queue: each request with its alert, rendered plan per target and any AI analysis;
    `?fragment=cards` returns only the cards for polling, with how many wait in `X-Live-Count`."""
    actor = Actor.of(request.user)
    queue = list(approvals.approval_queue())
    # The services' own checks decide which buttons a card shows: no Approve the POST would then refuse.
    unapprovable = approvals.decision_refusals(queue, actor=actor)
    unrejectable = approvals.decision_refusals(queue, actor=actor, approving=False)
    items = [
        {
            "execution": e,
            "analysis": approvals.analysis_for(e, actor=actor),
            "can_approve": e.pk not in unapprovable,
            "can_reject": e.pk not in unrejectable,
            "why_not_approve": str(unapprovable.get(e.pk, "")),
        }
        for e in queue
    ]
    # What other apps wait on (registered hooks: this app imports none of them).
    others = [item for path in hooks.approval_sources() for item in import_string(path)(request.user)]
    can_decide = request.user.has_perm(approvals.APPROVE_PERMISSION)
    context = {"items": items, "others": others, "waiting": len(items) + len(others), "can_decide": can_decide}
    if request.GET.get("fragment") != "cards":
        return render(request, "runbooks/approval_list.html", context)
    response = render(request, "runbooks/_approval_cards.html", context)
    response["X-Live-Count"] = str(context["waiting"])  # live_rows.js puts it in the heading's "(N waiting)"
    return response


@login_required
@permission_required(approvals.APPROVE_PERMISSION, raise_exception=True)
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one request from the queue (the form says which, with the reason)."""
    execution = get_object_or_404(Execution, pk=pk)
    approve = request.POST.get("decision") == "approve"
    service = approvals.approve_execution if approve else approvals.reject_execution
    try:
        service(execution, actor=Actor.of(request.user), reason=request.POST.get("reason", ""))
        messages.success(request, f"Execution #{pk} {'approved' if approve else 'rejected'}.")
    except approvals.ApprovalRefused as exc:
        messages.error(request, str(exc))
    return redirect("runbooks:approvals")
