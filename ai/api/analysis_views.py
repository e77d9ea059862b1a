"""Analysis API: request one for an alert (rate limited), and read analyses."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai.api.serializers import ProviderChoiceField
from ai.markdown import render_markdown
from ai.models import Analysis
from ai.services.analysis import AnalysisRateLimited, request_analysis
from alerts.models import Alert
from remediation.actors import Actor
from remediation.api.permissions import HasPerm
from remediation.permissions import ANALYZE_ALERT, VIEW_ANALYSIS


class AnalysisSerializer(serializers.ModelSerializer):
    summary_html = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            "alert",
            "status",
            "trigger",
            "forced",
            "provider_name",
            "model",
            "prompt_version",
            "summary",
            "summary_html",
            "probable_cause",
            "impact",
            "verification_commands",
            "recommended_runbook",
            "recommended_params",
            "recommendation_reason",
            "confidence",
            "raw_output",
            "validation_errors",
            "error_kind",
            "error",
            "attempts",
            "prompt_tokens",
            "completion_tokens",
            "cost_usd",
            "latency_ms",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_summary_html(self, analysis: Analysis) -> str:
        return str(render_markdown(analysis.summary))


class AnalyzeRequestSerializer(serializers.Serializer):
    force = serializers.BooleanField(default=False, help_text="Analyse again although the episode has an analysis.")
    provider = ProviderChoiceField()


class AnalyzeAlertView(APIView):
    """POST /api/v1/alerts/<id>/analyze/: queue an analysis (202), or return the episode's existing one (200)."""

    permission_classes = [HasPerm]
    write_perm = ANALYZE_ALERT

    @extend_schema(request=AnalyzeRequestSerializer, responses={200: AnalysisSerializer, 202: AnalysisSerializer})
    def post(self, request: Request, alert_id: int) -> Response:
        alert = get_object_or_404(Alert, pk=alert_id)
        body = AnalyzeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            analysis, created = request_analysis(
                alert,
                actor=Actor.of(request.user),
                force=body.validated_data["force"],
                provider=body.validated_data.get("provider"),
            )
        except AnalysisRateLimited as exc:
            response = Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            response["Retry-After"] = str(exc.retry_after)
            return response
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(AnalysisSerializer(analysis).data, status=code)


@extend_schema(parameters=[OpenApiParameter("alert", int, description="only analyses of this alert")])
class AnalysisViewSet(viewsets.ReadOnlyModelViewSet):
    """Analyses, newest first; needs ai.view_analysis."""

    serializer_class = AnalysisSerializer
    permission_classes = [HasPerm]
    read_perm = VIEW_ANALYSIS

    def get_queryset(self) -> QuerySet[Analysis]:
        queryset = Analysis.objects.order_by("-id")
        alert = self.request.query_params.get("alert")
        if alert and alert.isdigit():
            queryset = queryset.filter(alert_id=int(alert))
        return queryset
