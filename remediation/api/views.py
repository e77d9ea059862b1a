"""Core API: the audit log (read-only, filterable, CSV export)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request

from remediation.api.pagination import NewestFirstCursorPagination
from remediation.api.permissions import HasPerm
from remediation.api.serializers import AuditEventSerializer
from remediation.permissions import EXPORT_AUDITEVENT, VIEW_AUDITEVENT
from remediation.services.audit_log import AuditFilterError, export_csv, filter_events

AUDIT_FILTERS = [
    OpenApiParameter(name, str, description=text)
    for name, text in [
        ("actor", "username or system actor label"),
        ("action", "exact action, or a prefix ending in * (e.g. user.*)"),
        ("object_type", "app_label.model"),
        ("object_id", "primary key of the object"),
        ("request_id", "X-Request-ID of the request that caused it"),
        ("since", "ISO 8601 date-time (inclusive)"),
        ("until", "ISO 8601 date-time (exclusive)"),
        ("q", "text in object, reason or action"),
    ]
]


@extend_schema(parameters=AUDIT_FILTERS)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Append-only audit events; needs remediation.view_auditevent."""

    serializer_class = AuditEventSerializer
    permission_classes = [HasPerm]
    read_perm = VIEW_AUDITEVENT
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        try:
            return filter_events(self.request.query_params)
        except AuditFilterError as exc:
            raise ValidationError({"detail": str(exc)}) from exc

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request) -> StreamingHttpResponse:
        """CSV of the filtered events; needs remediation.export_auditevent."""
        if not request.user.has_perm(EXPORT_AUDITEVENT):
            raise PermissionDenied("Exporting the audit log needs the export permission.")
        response = StreamingHttpResponse(export_csv(self.get_queryset()), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
        return response
