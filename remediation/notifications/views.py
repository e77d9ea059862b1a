"""The signed link from a message: check it, have the person sign in, then show the page it leads to (GET only)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from remediation.notifications.links import LinkExpired, LinkInvalid, open_link


@require_safe
@never_cache
def open_notification_link(request: HttpRequest) -> HttpResponse:
    """Redirect to the linked portal page; sign-in first when needed. Opening a link never approves anything."""
    try:
        path = open_link(request.GET.get("t", ""))
    except LinkInvalid as exc:
        context = {"error": str(exc), "expired": isinstance(exc, LinkExpired)}
        return render(request, "remediation/notification_link.html", context, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return redirect(path)
