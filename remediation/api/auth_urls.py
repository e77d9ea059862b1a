"""JWT routes under /api/v1/auth/."""

from __future__ import annotations

from django.urls import path

from remediation.api.auth_views import TokenObtainView, TokenRefresh, TokenRevoke

urlpatterns = [
    path("token/", TokenObtainView.as_view(), name="token-obtain"),
    path("token/refresh/", TokenRefresh.as_view(), name="token-refresh"),
    path("token/revoke/", TokenRevoke.as_view(), name="token-revoke"),
]
