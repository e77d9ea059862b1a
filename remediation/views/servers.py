"""Portal page of the server inventory with each server's connection status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from remediation.models import Environment
from remediation.permissions import VIEW_SERVER
from remediation.services.inventory import filter_servers

FILTER_NAMES = ("q", "environment", "status", "tag")


@require_safe
@login_required
@permission_required(VIEW_SERVER, raise_exception=True)
def server_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated servers: address, labels, pinned host key, last connection test."""
    page = Paginator(filter_servers(request.GET), 50).get_page(request.GET.get("page"))
    filters = {name: request.GET.get(name, "") for name in FILTER_NAMES}
    return render(
        request,
        "remediation/server_list.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "environments": Environment.choices,
            "statuses": ["ok", "failed", "untested", "disabled"],
        },
    )
