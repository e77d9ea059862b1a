"""Core portal routes."""

from __future__ import annotations

from django.urls import path

from remediation import views, views_audit, views_servers

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("audit/", views_audit.audit_list, name="audit"),
    path("audit/export.csv", views_audit.audit_export, name="audit-export"),
    path("servers/", views_servers.server_list, name="servers"),
]
