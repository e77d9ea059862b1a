"""Portal pages of the audit log (same filters and export as the API)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from remediation.permissions import EXPORT_AUDITEVENT, VIEW_AUDITEVENT
from remediation.services.audit_log import AuditFilterError, export_csv, filter_events

FILTER_NAMES = ("actor", "action", "object_type", "object_id", "request_id", "since", "until", "q")


@require_safe
@login_required
@permission_required(VIEW_AUDITEVENT, raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated audit log."""
    error = ""
    try:
        events = filter_events(request.GET)
    except AuditFilterError as exc:
        error, events = str(exc), filter_events({})
    page = Paginator(events.order_by("-id"), 50).get_page(request.GET.get("page"))
    filters = {name: request.GET.get(name, "") for name in FILTER_NAMES}
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "remediation/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "error": error,
            "query": query,
            "can_export": request.user.has_perm(EXPORT_AUDITEVENT),
        },
    )


@require_safe
@login_required
@permission_required(EXPORT_AUDITEVENT, raise_exception=True)
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """CSV download of the filtered log."""
    try:
        events = filter_events(request.GET)
    except AuditFilterError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    response = StreamingHttpResponse(export_csv(events), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
    return response
