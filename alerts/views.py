"""Portal pages of the alerts app: list (polled for live updates) and detail with timeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from alerts.models import Alert, Suggestion
from alerts.services import remediate
from alerts.services.acknowledge import AlreadyAcknowledged, acknowledge_alert
from alerts.services.queries import FILTER_NAMES, AlertFilterError, alert_timeline, filter_alerts
from remediation.actors import Actor
from remediation.permissions import ACKNOWLEDGE_ALERT, VIEW_ALERT
from runbooks.services.execute import OVERRIDE_PERMISSION, ExecutionRefused

PAGE_SIZE = 100


@require_safe
@login_required
@permission_required(VIEW_ALERT, raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    """Filterable list of the newest episodes; `?fragment=rows` returns only the rows for polling."""
    error = ""
    try:
        alerts = filter_alerts(request.GET)
    except AlertFilterError as exc:
        error, alerts = str(exc), Alert.objects.none()
    rows = list(alerts.prefetch_related("decisions").order_by("-id")[:PAGE_SIZE])
    context = {
        "alerts": rows,
        "error": error,
        "filters": {name: request.GET.get(name, "") for name in FILTER_NAMES},
        "query": urlencode([(k, v) for k, vs in request.GET.lists() if k in FILTER_NAMES for v in vs if v]),
        "page_size": PAGE_SIZE,
    }
    if request.GET.get("fragment") == "rows":
        return render(request, "alerts/_rows.html", context)
    return render(request, "alerts/list.html", context)


def _link(url: str) -> str:
    """Only http(s) generator URLs become links; anything else (javascript:, data:) is shown as text."""
    return url if url.lower().startswith(("http://", "https://")) else ""


@require_safe
@login_required
@permission_required(VIEW_ALERT, raise_exception=True)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Labels, annotations, timeline and generator link of one episode."""
    alert = get_object_or_404(Alert.objects.select_related("acknowledged_by"), pk=pk)
    context = {
        "alert": alert,
        "timeline": alert_timeline(alert),
        "generator_link": _link(alert.generator_url),
        "can_acknowledge": request.user.has_perm(ACKNOWLEDGE_ALERT) and not alert.acknowledged_at,
        "suggestions": remediate.suggestions_of(alert),
        "can_run_suggestions": request.user.has_perm(remediate.EXECUTE_PERMISSION) and alert.status == "firing",
        "can_override": request.user.has_perm(OVERRIDE_PERMISSION),
    }
    return render(request, "alerts/detail.html", context)


@login_required
@permission_required(remediate.EXECUTE_PERMISSION, raise_exception=True)
@require_POST
def suggestion_run(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """Start a suggested run ("Run this"); the service applies every guard and audits it."""
    suggestion = get_object_or_404(Suggestion, pk=suggestion_pk, alert_id=pk)
    # Only holders of the override permission are shown the field; anyone else's reason is ignored.
    override = request.POST.get("override_reason", "") if request.user.has_perm(OVERRIDE_PERMISSION) else ""
    try:
        execution = remediate.run_suggestion(suggestion, actor=Actor.of(request.user), override_reason=override)
    except ExecutionRefused as exc:
        messages.error(request, f"Not started: {exc}")
        return redirect("alerts:detail", pk=pk)
    messages.success(request, f"Execution #{execution.pk} requested ({execution.status}).")
    return redirect("runbooks:execution", pk=execution.pk)


@login_required
@permission_required(ACKNOWLEDGE_ALERT, raise_exception=True)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge from the portal (audited by the service)."""
    alert = get_object_or_404(Alert, pk=pk)
    try:
        acknowledge_alert(alert, actor=Actor.of(request.user), reason=request.POST.get("reason", ""))
        messages.success(request, "Alert acknowledged.")
    except AlreadyAcknowledged as exc:
        messages.info(request, str(exc))
    return redirect("alerts:detail", pk=pk)
