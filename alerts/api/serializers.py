"""Serializers of the alerts API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import ActionRequest, Alert, Decision, Suggestion
from alerts.services import remediate
from alerts.services.queries import alert_timeline
from remediation.permissions import VIEW_ANALYSIS, VIEW_EXECUTION
from runbooks.models import Execution

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIST_FIELDS = [
    "id",
    "fingerprint",
    "status",
    "alertname",
    "severity",
    "summary",
    "labels",
    "starts_at",
    "ends_at",
    "first_received_at",
    "last_received_at",
    "receive_count",
    "ignored",
    "source",
    "acknowledged_at",
    "acknowledged_by",
    "rule",
    "action",
]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "status", "rule", "rule_name", "action", "outcome", "matched", "suppressions", "created_at"]


class ActionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionRequest
        fields = ["id", "kind", "rule", "status", "note", "created_at", "dispatched_at", "finished_at"]


class SuggestionSerializer(serializers.ModelSerializer):
    """A suggested run (from remediate.suggestions_of): target names, masked parameters, who started it and when."""

    rule_name = serializers.CharField(source="rule.name", default="", read_only=True)
    runbook_name = serializers.CharField(source="runbook.name", read_only=True)
    targets = serializers.ListField(source="target_names", child=serializers.CharField(), read_only=True)
    params = serializers.DictField(source="shown_params", read_only=True)
    used_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    execution_status = serializers.CharField(source="execution.status", default=None, read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "rule",
            "rule_name",
            "runbook",
            "runbook_name",
            "target_ids",
            "targets",
            "params",
            "created_at",
            "used_by",
            "used_at",
            "execution",
            "execution_status",
        ]
        read_only_fields = fields


# What the alert detail carries of each analysis (the full record, raw output included, is /api/v1/ai/analyses/<id>/).
ANALYSIS_FIELDS = (
    "id",
    "status",
    "trigger",
    "provider_name",
    "model",
    "summary",
    "probable_cause",
    "impact",
    "recommended_runbook",
    "recommended_params",
    "recommendation_reason",
    "confidence",
    "error_kind",
    "created_at",
)


class AlertAnalysisSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Schema of one analysis in the alert detail (read from the AI app's rows through the reverse relation)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    trigger = serializers.CharField()
    provider_name = serializers.CharField()
    model = serializers.CharField()
    summary = serializers.CharField()
    probable_cause = serializers.CharField()
    impact = serializers.CharField()
    recommended_runbook = serializers.CharField()
    recommended_params = serializers.DictField()
    recommendation_reason = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    error_kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField()


class AlertExecutionSerializer(serializers.ModelSerializer):
    """One run of the episode: runbook, status, people and times, and whether the alert then resolved in time."""

    runbook_name = serializers.CharField(source="runbook.name", read_only=True)
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approved_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Execution
        fields = [
            "id",
            "runbook",
            "runbook_name",
            "status",
            "trigger",
            "dry_run",
            "target_ids",
            "requested_by",
            "approved_by",
            "approved_at",
            "created_at",
            "started_at",
            "finished_at",
            "resolved_within_window",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, execution: Execution) -> str:
        return reverse("execution-detail", args=[execution.pk])


class AlertSerializer(serializers.ModelSerializer):
    """An episode in a list: the first decision's rule and action come along (prefetched)."""

    acknowledged_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    rule = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = LIST_FIELDS
        read_only_fields = fields

    def _first(self, alert: Alert) -> Decision | None:
        decisions = list(alert.decisions.all())
        return decisions[0] if decisions else None

    def get_rule(self, alert: Alert) -> str:
        first = self._first(alert)
        return first.rule_name if first else ""

    def get_action(self, alert: Alert) -> str:
        first = self._first(alert)
        return first.action if first else ""


class AlertDetailSerializer(AlertSerializer):
    """An episode with everything: annotations, decisions, queued effects and the timeline."""

    decisions = DecisionSerializer(many=True, read_only=True)
    action_requests = ActionRequestSerializer(many=True, read_only=True)
    suggestions = serializers.SerializerMethodField()
    analyses = serializers.SerializerMethodField()
    executions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            *LIST_FIELDS,
            "annotations",
            "generator_url",
            "receiver",
            "group_key",
            "external_url",
            "resolved_at",
            "decisions",
            "action_requests",
            "suggestions",
            "analyses",
            "executions",
            "timeline",
        ]
        read_only_fields = fields

    def _may(self, perm: str) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.has_perm(perm))

    @extend_schema_field(AlertAnalysisSerializer(many=True))
    def get_analyses(self, alert: Alert) -> list[dict[str, Any]]:
        """The episode's AI analyses, newest first (empty without ai.view_analysis, or without the AI app)."""
        if not self._may(VIEW_ANALYSIS) or not hasattr(alert, "analyses"):
            return []
        rows = alert.analyses.order_by("-id").values(*ANALYSIS_FIELDS)
        # By URL name, not by import: the AI app sits above this one (a missing route would mean no AI app).
        return [{**row, "url": reverse("ai-analysis-detail", args=[row["id"]])} for row in rows]

    @extend_schema_field(AlertExecutionSerializer(many=True))
    def get_executions(self, alert: Alert) -> list[dict[str, Any]]:
        """The runs this episode started or asked for (an approval-held one too), newest first."""
        if not self._may(VIEW_EXECUTION):
            return []
        runs = alert.executions.select_related("runbook", "requested_by", "approved_by").order_by("-id")
        return list(AlertExecutionSerializer(runs, many=True).data)

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggestions(self, alert: Alert) -> list[dict[str, Any]]:
        """What `suggest` rules offered for this episode ("Run this": POST …/suggestions/{id}/run/)."""
        return list(SuggestionSerializer(remediate.suggestions_of(alert), many=True).data)

    def get_timeline(self, alert: Alert) -> list[dict[str, Any]]:
        return [{"at": i["at"], "kind": i["kind"], "text": i["text"]} for i in alert_timeline(alert)]


class AcknowledgeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RunSuggestionSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Run despite an open maintenance window (needs remediation.override_maintenance); audited.",
    )
