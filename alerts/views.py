"""Portal pages of the alerts app: list (polled for live updates) and detail with timeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe

from alerts.models import Alert, Suggestion
from alerts.services import remediate
from alerts.services.acknowledge import AlreadyAcknowledged, acknowledge_alert, acknowledge_alerts
from alerts.services.listing import PAGE_SIZES, SORTS, ListRequest, list_alerts
from alerts.services.queries import FILTER_NAMES, AlertFilterError, alert_timeline, executions_of
from remediation.actors import Actor
from remediation.permissions import ACKNOWLEDGE_ALERT, VIEW_ALERT, VIEW_EXECUTION
from runbooks.services.execute import OVERRIDE_PERMISSION, ExecutionRefused


@require_safe
@login_required
@permission_required(VIEW_ALERT, raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    """Filtered, sorted, paged episodes (or groups of them); `?fragment=rows` returns only the rows for polling."""
    asked = ListRequest.from_query(request.GET)
    error, listing = "", None
    try:
        listing = list_alerts(request.GET, asked)
    except AlertFilterError as exc:
        error = str(exc)
    filters = {name: request.GET.get(name, "") for name in FILTER_NAMES}
    query = [(k, v) for k, vs in request.GET.lists() if k in FILTER_NAMES for v in vs if v]
    view = [("sort", asked.sort), ("per_page", str(asked.page_size)), ("group", asked.group)]
    context = {
        "listing": listing,
        "alerts": listing.page if listing and not listing.grouped else [],
        "error": error,
        "filters": filters,
        "asked": asked,
        # The filters alone (for sort and group links), and with the view settings (for page links and polling).
        "query": urlencode(query),
        "view_query": urlencode([*query, *[(k, v) for k, v in view if v]]),
        "sort_links": _sort_links(query, asked),
        "page_sizes": PAGE_SIZES,
        "can_acknowledge": request.user.has_perm(ACKNOWLEDGE_ALERT),
    }
    if request.GET.get("fragment") == "rows":
        return render(request, "alerts/_rows.html", context)
    return render(request, "alerts/list.html", context)


def _sort_links(query: list[tuple[str, str]], asked: ListRequest) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (a second click reverses) and the arrow showing the order."""
    links = {}
    for key in SORTS:
        current = asked.sort.lstrip("-") == key
        descending = asked.sort.startswith("-")
        target = key if current and descending else f"-{key}"
        params = [*query, ("sort", target), ("per_page", str(asked.page_size))]
        links[key] = {"url": "?" + urlencode(params), "arrow": ("▼" if descending else "▲") if current else ""}
    return links


@login_required
@permission_required(ACKNOWLEDGE_ALERT, raise_exception=True)
@require_POST
def alert_acknowledge_many(request: HttpRequest) -> HttpResponse:
    """Acknowledge the ticked episodes of a list page (each audited by the service), then back to that page."""
    ids = [int(v) for v in request.POST.getlist("alert") if v.isdigit()]
    if not ids:
        messages.error(request, "Tick at least one alert to acknowledge.")
    else:
        done, skipped = acknowledge_alerts(ids, actor=Actor.of(request.user), reason=request.POST.get("reason", ""))
        already = f"; {skipped} had been acknowledged already" if skipped else ""
        messages.success(request, f"Acknowledged {done} alert{'s' if done != 1 else ''}{already}.")
    back = request.POST.get("next", "")
    return redirect(
        back
        if url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith("/alerts/")
        else "alerts:list"
    )


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
        "executions": executions_of(alert) if request.user.has_perm(VIEW_EXECUTION) else [],
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
