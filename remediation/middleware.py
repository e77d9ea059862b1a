"""Request id: taken from X-Request-ID when sane, otherwise generated; echoed on the response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def safe_request_id(incoming: str) -> str:
    """`incoming` when it is a sane id to echo and log, otherwise the empty string."""
    return incoming if _SAFE_ID.match(incoming) else ""


class RequestIdMiddleware:
    """Gives every request an id that audit events and logs carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = safe_request_id(incoming) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
