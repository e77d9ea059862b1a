"""JWT endpoints: the same rate limit and audit as the portal login."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import update_last_login
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from remediation.services.auth import LoginRefused, log_in


class TokenObtainView(TokenObtainPairView):
    """POST username + password → access and refresh tokens."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = str(request.data.get("username", ""))
        password = str(request.data.get("password", ""))
        if not username or not password:
            return Response(
                {"detail": "Invalid input.", "errors": {"username": ["required"], "password": ["required"]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            user = log_in(request._request, username=username, password=password, channel="api")
        except LoginRefused as refused:
            if refused.retry_after:
                return Response(
                    {"detail": refused.message},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(refused.retry_after)},
                )
            return Response({"detail": refused.message}, status=status.HTTP_401_UNAUTHORIZED)
        update_last_login(type(user), user)
        refresh = RefreshToken.for_user(user)
        return Response({"refresh": str(refresh), "access": str(refresh.access_token)})


class TokenRefresh(TokenRefreshView):
    """POST a refresh token → a new access token."""
