"""Serializers of the alerts API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import ActionRequest, Alert, Decision, Suggestion
from alerts.services import remediate
from alerts.services.queries import alert_timeline

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
            "timeline",
        ]
        read_only_fields = fields

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
