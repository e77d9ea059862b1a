"""API representations of runbooks and executions (writes go through the services, never serializer.save)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from remediation.actors import Actor
from remediation.redaction import mask_data
from runbooks.models import Execution, Runbook, Step, StepRun
from runbooks.services import approvals
from runbooks.services.definitions import RUNBOOK_FIELDS, STEP_FIELDS, template_problems

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from remediation.models import Credential


class StepSerializer(serializers.ModelSerializer):
    credential: serializers.SlugRelatedField[Credential] = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )

    class Meta:
        model = Step
        fields = STEP_FIELDS


class RunbookSerializer(serializers.ModelSerializer):
    steps = StepSerializer(many=True, read_only=True)
    template_problems = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField(child=serializers.CharField())))
    def get_template_problems(self, runbook: Runbook) -> list[dict[str, str]]:
        """Placements the templating rules refuse in the current version ({step, field, problem}, the problem
        naming the safe form); while any is listed the runbook cannot run."""
        return [finding.as_dict() for finding in template_problems(runbook)]

    class Meta:
        model = Runbook
        fields = ["id", *RUNBOOK_FIELDS, "version", "created_at", "updated_at", "steps", "template_problems"]


class RunbookWriteSerializer(serializers.Serializer):
    """Schema of a runbook definition for the docs; validation happens in the definitions service."""

    name = serializers.CharField()
    description = serializers.CharField(required=False)
    enabled = serializers.BooleanField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    timeout_seconds = serializers.IntegerField(required=False)
    max_parallel = serializers.IntegerField(required=False)
    requires_approval = serializers.BooleanField(required=False)
    allowed_policy_rules = serializers.ListField(child=serializers.CharField(), required=False)
    parameters = serializers.ListField(child=serializers.DictField(), required=False)
    steps = serializers.ListField(child=serializers.DictField(), required=False)


class AlertContextSerializer(serializers.Serializer):
    """The `alert.*` a plan or run is templated with: what an Alertmanager alert carries, and nothing else."""

    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10_000), required=False, default=dict
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100_000), required=False, default=dict
    )
    status = serializers.ChoiceField(choices=["firing", "resolved", ""], required=False, default="")
    fingerprint = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError({str(name)[:40]: ["unknown field"] for name in unknown})
        attrs = super().to_internal_value(data)
        for name in ("labels", "annotations"):
            bad = [k for k in attrs[name] if not k or len(k) > 200]
            if bad:
                raise serializers.ValidationError({name: [f"names must be 1-200 characters: {bad[0][:40]!r}"]})
        return attrs


class PlanRequestSerializer(serializers.Serializer):
    params = serializers.DictField(required=False, default=dict)
    targets = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    alert = AlertContextSerializer(required=False, default=dict)


class ExecuteRequestSerializer(PlanRequestSerializer):
    dry_run = serializers.BooleanField(required=False, default=False)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Run despite an open maintenance window (needs remediation.override_maintenance); audited.",
    )


class StepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepRun
        exclude = ["execution"]


class ExecutionSerializer(serializers.ModelSerializer):
    runbook_name = serializers.CharField(source="runbook.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    requested_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    params = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField())
    def get_params(self, execution: Execution) -> dict[str, object]:
        """Parameters with secret-named values masked (a `token` parameter is never echoed)."""
        return mask_data(execution.params)

    class Meta:
        model = Execution
        fields = [
            "id",
            "runbook",
            "runbook_name",
            "version_number",
            "status",
            "trigger",
            "requested_by",
            "params",
            "target_ids",
            "dry_run",
            "cancel_requested",
            "status_reason",
            "created_at",
            "started_at",
            "finished_at",
            "alert_episode",
            "rule",
            "approval_expires_at",
            "approved_by",
            "approved_at",
            "decision_reason",
            "resolved_at",
            "resolved_within_window",
        ]


class ApprovalDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ExecutionDetailSerializer(ExecutionSerializer):
    step_runs = StepRunSerializer(many=True, read_only=True)
    analysis = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_analysis(self, execution: Execution) -> dict[str, Any] | None:
        """The triggering alert's AI analysis, for readers holding ai.view_analysis (null otherwise)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return approvals.analysis_data(approvals.analysis_for(execution, actor=Actor.of(user))) if user else None

    class Meta(ExecutionSerializer.Meta):
        fields = [*ExecutionSerializer.Meta.fields, "alert", "plan", "variables", "step_runs", "analysis"]
