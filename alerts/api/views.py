"""Alerts API: list with filters (cursor pages), detail with timeline, acknowledge."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.api.serializers import (
    AcknowledgeSerializer,
    AlertDetailSerializer,
    AlertSerializer,
    RunSuggestionSerializer,
    SuggestionSerializer,
)
from alerts.models import Alert, Suggestion
from alerts.services import remediate
from alerts.services.acknowledge import AlreadyAcknowledged, acknowledge_alert
from alerts.services.queries import AlertFilterError, filter_alerts
from remediation.actors import Actor
from remediation.api.pagination import NewestFirstCursorPagination
from remediation.api.permissions import HasPerm
from remediation.permissions import ACKNOWLEDGE_ALERT, VIEW_ALERT
from runbooks.services.execute import ExecutionForbidden, ExecutionRefused

ALERT_FILTERS = [
    OpenApiParameter("status", str, description="firing or resolved"),
    OpenApiParameter("severity", str, description="severity label, exact"),
    OpenApiParameter("alertname", str, description="alertname label, exact"),
    OpenApiParameter("label", str, many=True, description="key:value, exact; repeat to combine"),
    OpenApiParameter("q", str, description="text in alertname, labels or annotations"),
    OpenApiParameter("since", str, description="startsAt at or after (ISO 8601)"),
    OpenApiParameter("until", str, description="startsAt before (ISO 8601)"),
]


@extend_schema(parameters=ALERT_FILTERS)
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alert episodes; reading needs alerts.view_alert."""

    permission_classes = [HasPerm]
    read_perm = VIEW_ALERT
    write_perm = ACKNOWLEDGE_ALERT
    pagination_class = NewestFirstCursorPagination

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return AlertSerializer if self.action == "list" else AlertDetailSerializer

    def get_queryset(self) -> QuerySet[Alert]:
        if self.action != "list":
            return Alert.objects.select_related("acknowledged_by").prefetch_related("decisions", "action_requests")
        try:
            alerts = filter_alerts(self.request.query_params)
        except AlertFilterError as exc:
            raise ValidationError({"filter": [str(exc)]}) from exc
        return alerts.select_related("acknowledged_by").prefetch_related("decisions")

    @extend_schema(request=RunSuggestionSerializer, responses={201: SuggestionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"suggestions/(?P<suggestion_pk>\d+)/run",
        permission_classes=[IsAuthenticated],
    )
    def run_suggestion(self, request: Request, pk: str | None = None, suggestion_pk: str | None = None) -> Response:
        """Start a suggested run once (needs remediation.execute_runbook); every guard of a manual run applies.

        400 when refused (kill switch, maintenance window, command policy, resolved alert), 409 when the suggestion
        was already started or another execution is active for the episode.
        """
        if not request.user.has_perm(self.read_perm) or not request.user.has_perm(remediate.EXECUTE_PERMISSION):
            raise PermissionDenied("Starting a suggested run needs the execute permission.")
        body = RunSuggestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        suggestion = get_object_or_404(Suggestion, pk=suggestion_pk, alert=self.get_object())
        try:
            remediate.run_suggestion(
                suggestion,
                actor=Actor.of(request.user),
                override_reason=body.validated_data["override_reason"],
            )
        except remediate.SuggestionUsed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except ExecutionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except ExecutionRefused as exc:
            return Response({"detail": str(exc), "plan": exc.plan_json()}, status=status.HTTP_400_BAD_REQUEST)
        shown = next(s for s in remediate.suggestions_of(suggestion.alert) if s.pk == suggestion.pk)
        return Response(SuggestionSerializer(shown).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AcknowledgeSerializer, responses=AlertDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge the episode (audited); needs remediation.acknowledge_alert. 409 when already acknowledged."""
        if not request.user.has_perm(ACKNOWLEDGE_ALERT):
            raise PermissionDenied("Acknowledging alerts needs the acknowledge permission.")
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            alert = acknowledge_alert(
                self.get_object(), actor=Actor.of(request.user), reason=body.validated_data["reason"]
            )
        except AlreadyAcknowledged as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(AlertDetailSerializer(self.get_queryset().get(pk=alert.pk)).data)
