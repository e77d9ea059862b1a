"""Error handlers (403, 404, 500, CSRF failure, rate limit): JSON for machines, the portal page for people."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

MACHINE_PREFIXES = ("/api/", "/hooks/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON for API and webhook paths, the portal page otherwise."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": f"Not found: {request.path}"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON for API and webhook paths (no details leak), the styled page otherwise.

    Rendered without the request's context processors: they read the database, which may be what broke."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: JSON for API and webhook paths, the portal page (saying what is missing) otherwise."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "403.html", {"reason": "Your role does not allow this page or action."}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page carries inline styles the CSP refuses; this one is the portal's."""
    message = "The form was stale or sent from another site. Reload the page and try again."
    return render(request, "403.html", {"reason": message}, status=403)


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """RATELIMIT_VIEW: what django-ratelimit's decorators answer when a limit is hit."""
    return JsonResponse({"detail": "Too many requests. Slow down and try again later."}, status=429)
