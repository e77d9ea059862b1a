"""JWT endpoints: sign-in (rate-limited and audited like the portal), rotation and revocation (logout)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from remediation.services.auth import LoginRefused, log_in
from remediation.services.tokens import TokenRefused, issue_tokens, revoke_refresh_token, rotate_refresh_token

PAIR = inline_serializer("TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()})


class RefreshBody(serializers.Serializer):
    refresh = serializers.CharField()


class RevokeBody(RefreshBody):
    all = serializers.BooleanField(default=False, help_text="Revoke every refresh token of this token's user.")


def _refused(exc: TokenRefused) -> Response:
    return Response({"detail": exc.message, "code": "token_not_valid"}, status=status.HTTP_401_UNAUTHORIZED)


class TokenObtainView(TokenObtainPairView):
    """POST username + password → access and refresh tokens."""

    @extend_schema(responses={200: PAIR})
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
        return Response(issue_tokens(user))


class TokenRefresh(APIView):
    """POST a refresh token → a new access token and a new refresh token; the one sent is revoked."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshBody, responses={200: PAIR})
    def post(self, request: Request) -> Response:
        body = RefreshBody(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            return Response(rotate_refresh_token(body.validated_data["refresh"]))
        except TokenRefused as exc:
            return _refused(exc)


class TokenRevoke(APIView):
    """Logout for API clients: POST a refresh token to revoke it (`all`: every refresh token of its user)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=RevokeBody, responses={200: inline_serializer("Revoked", {"revoked": serializers.IntegerField()})}
    )
    def post(self, request: Request) -> Response:
        body = RevokeBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            count = revoke_refresh_token(data["refresh"], everywhere=data["all"])
        except TokenRefused as exc:
            return _refused(exc)
        return Response({"revoked": count})
