"""Terminal API: sessions (read-only) and their recordings, for those allowed to see them."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from remediation.api.pagination import NewestFirstCursorPagination
from terminal import services
from terminal.api.serializers import TerminalSessionSerializer
from terminal.recordings import resolve


class TerminalSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Terminal sessions: everyone's for reviewers (admins), one's own for terminal users."""

    serializer_class = TerminalSessionSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return services.visible_sessions(self.request.user)

    @extend_schema(responses={(200, "application/x-asciicast"): str})
    @action(detail=True, methods=["get"])
    def recording(self, request: Request, pk: str | None = None) -> FileResponse:
        """The session's asciicast v2 recording."""
        session = self.get_object()
        path = resolve(session.recording_path) if session.has_recording else None
        if path is None or not path.is_file():
            raise Http404("This session has no recording.")
        return FileResponse(path.open("rb"), content_type="application/x-asciicast")
