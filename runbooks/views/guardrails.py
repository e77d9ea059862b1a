"""The kill switch in the portal: its state for anyone who may see it, and a toggle that asks why."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from remediation.actors import Actor
from remediation.permissions import MANAGE_KILL_SWITCH, VIEW_KILLSWITCH
from runbooks.services.maintenance import guardrail_state, set_kill_switch


@login_required
@permission_required(VIEW_KILLSWITCH, raise_exception=True)
@require_http_methods(["GET", "POST"])
def kill_switch(request: HttpRequest) -> HttpResponse:
    """GET: the switch and the open maintenance windows; POST `engaged` (1/0) and `reason`: flip it (audited)."""
    can_change = request.user.has_perm(MANAGE_KILL_SWITCH)
    context: dict[str, object] = {"state": guardrail_state(), "can_change": can_change, "error": "", "reason": ""}
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("Changing the kill switch needs the manage permission.")
        engaged = request.POST.get("engaged") == "1"
        reason = request.POST.get("reason", "")
        try:
            set_kill_switch(engaged, reason=reason, actor=Actor.of(request.user))
        except ValueError as exc:
            context.update(error=str(exc), reason=reason)
            return render(request, "runbooks/kill_switch.html", context, status=400)
        messages.success(
            request, "Kill switch engaged: every real run is refused." if engaged else "Kill switch released."
        )
        return redirect("runbooks:kill_switch")
    return render(request, "runbooks/kill_switch.html", context)
