"""Terminal API: sessions (read-only) and their recordings, for those allowed to see them."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from remediation import grants
from remediation.api.pagination import NewestFirstCursorPagination
from terminal.api.serializers import TerminalSessionSerializer
from terminal.recordings import resolve
from terminal.services import sessions


class TerminalUsers(BasePermission):
    """Terminal users (their own sessions) and reviewers (everyone's); others have no such list (as in the portal)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.has_perm(grants.OPEN_PERM) or user.has_perm(sessions.REVIEW_PERM)))


class TerminalSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Terminal sessions: everyone's for reviewers (admins), one's own for terminal users."""

    permission_classes = [TerminalUsers]
    serializer_class = TerminalSessionSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return sessions.visible_sessions(self.request.user)

    @extend_schema(responses={(200, "application/x-asciicast"): str})
    @action(detail=True, methods=["get"])
    def recording(self, request: Request, pk: str | None = None) -> FileResponse:
        """The session's asciicast v2 recording."""
        session = self.get_object()
        path = resolve(session.recording_path) if session.has_recording else None
        if path is None or not path.is_file():
            raise Http404("This session has no recording.")
        return FileResponse(path.open("rb"), content_type="application/x-asciicast")
