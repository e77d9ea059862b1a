"""URL wiring: each app's portal pages and API routes, plus operations endpoints."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from alerts.webhook import alertmanager_webhook
from remediation.api.docs import SchemaView, api_docs
from remediation.views import ops, pages

handler403 = "remediation.views.errors.forbidden"
handler404 = "remediation.views.errors.not_found"
handler500 = "remediation.views.errors.server_error"

api_v1 = [
    path("auth/", include("remediation.api.auth_urls")),
    path("", include("remediation.api.urls")),
    path("", include("alerts.api.urls")),
    path("", include("runbooks.api.urls")),
    path("", include("ai.api.urls")),
    path("", include("terminal.api.urls")),
]

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("hooks/alertmanager/", alertmanager_webhook, name="alertmanager-webhook"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include(api_v1)),
    # The admin signs in and out through the portal (rate-limited, audited, live terminals closed), never its own.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/logout/", pages.logout_view),
    path("admin/", admin.site.urls),
    path("", include("remediation.urls")),
    path("alerts/", include("alerts.urls")),
    path("runbooks/", include("runbooks.urls")),
    path("ai/", include("ai.urls")),
    path("terminal/", include("terminal.urls")),
]
