"""The OpenAPI schema and its Swagger UI: for signed-in users only, unless API_DOCS_PUBLIC says otherwise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class DocsAccess(BasePermission):
    """A signed-in user (session or JWT), or anyone when API_DOCS_PUBLIC is true."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsAccess]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), so it runs under the CSP."""

    permission_classes = [DocsAccess]


_swagger = SwaggerView.as_view(url_name="schema")


def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The docs page; a browser that is not signed in is sent to the login page first."""
    if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    response: HttpResponse = _swagger(request, *args, **kwargs)
    return response
