"""Core portal routes."""

from __future__ import annotations

from django.urls import path

from remediation.notifications.views import open_notification_link
from remediation.views import audit, pages, profile, servers

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("dashboard.json", pages.dashboard_json, name="dashboard-json"),
    path("login/", pages.login_view, name="login"),
    path("logout/", pages.logout_view, name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("audit/", audit.audit_list, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit-export"),
    path("servers/", servers.server_list, name="servers"),
    path("notifications/link/", open_notification_link, name="notification-link"),
]
