"""Rules API: CRUD with nested matchers, simulate, replay."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.models import Rule, RuleMatcher
from alerts.services import remediate
from alerts.services.decisions import simulate_alert
from alerts.services.rules import RULE_FIELDS, delete_rule, replay_rule, save_rule
from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.permissions import ModelPerms
from remediation.permissions import CHANGE_RULE, VIEW_RULE


class MatcherSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleMatcher
        fields = ["target", "name", "op", "value"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            RuleMatcher(**attrs).clean()
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc
        return attrs


class RuleSerializer(serializers.ModelSerializer):
    matchers = MatcherSerializer(many=True, required=False)

    class Meta:
        model = Rule
        # The audited fields are the writable ones; the API adds the id, the matchers and the read-only times.
        fields = ["id", *RULE_FIELDS, "matchers", "breaker_reset_at", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at", "breaker_reset_at"]


class SimulateSerializer(serializers.Serializer):
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False))
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False, default=dict
    )
    status = serializers.ChoiceField(choices=["firing", "resolved"], default="firing")
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.source, as the API says
        required=False,
        default=None,
        allow_null=True,
        max_length=100,
        help_text="The webhook source (token name) it would arrive from.",
    )


class ResetSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RuleViewSet(viewsets.ModelViewSet):
    """Rules in evaluation order; model permissions (view/add/change/delete_rule)."""

    serializer_class = RuleSerializer
    permission_classes = [ModelPerms]
    perm_model = "alerts.rule"
    queryset = Rule.objects.prefetch_related(
        "matchers", "target_servers", "scope_servers", "notification_channels"
    ).order_by("priority", "id")

    def perform_create(self, serializer: RuleSerializer) -> None:  # type: ignore[override]
        self._save(serializer, Rule())

    def perform_update(self, serializer: RuleSerializer) -> None:  # type: ignore[override]
        self._save(serializer, serializer.instance)  # type: ignore[arg-type]  # an update always has its instance

    def _save(self, serializer: RuleSerializer, rule: Rule) -> None:
        data = dict(serializer.validated_data)
        matchers = data.pop("matchers", None)
        servers = data.pop("target_servers", None)
        scope = data.pop("scope_servers", None)
        channels = data.pop("notification_channels", None)
        for name, value in data.items():
            setattr(rule, name, value)
        if rule.pk is None:
            rule.created_by = self.request.user
        try:
            serializer.instance = save_rule(
                rule,
                matchers,
                actor=Actor.of(self.request.user),
                target_servers=servers,
                scope_servers=scope,
                notification_channels=channels,
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: Rule) -> None:
        delete_rule(instance, actor=Actor.of(self.request.user))

    @extend_schema(request=SimulateSerializer, responses=dict)
    @action(detail=False, methods=["post"])
    def simulate(self, request: Request) -> Response:
        """Which rule an alert with these labels would hit, the action, suppressions and the reasoning."""
        self._need_view()
        body = SimulateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(simulate_alert(**body.validated_data))

    @extend_schema(parameters=[OpenApiParameter("days", int, description="1-90, default 7")], responses=dict)
    @action(detail=True, methods=["get"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """What this rule would have done to the alerts of the last N days (counts by outcome)."""
        raw = request.query_params.get("days", "7")
        if not raw.isdigit() or not 1 <= int(raw) <= 90:
            raise ValidationError({"days": ["must be a whole number of days from 1 to 90"]})
        return Response(replay_rule(self.get_object(), days=int(raw)))

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str | None = None) -> Response:
        """Circuit breaker state, success rate, resolved-within-window rate and median time to resolve."""
        rule = self.get_object()
        return Response({"breaker": remediate.breaker_of(rule), **remediate.rule_stats(rule)})

    @extend_schema(request=ResetSerializer, responses=dict)
    @action(detail=True, methods=["post"], url_path="reset-breaker")
    def reset_breaker(self, request: Request, pk: str | None = None) -> Response:
        """Close the rule's circuit breaker (forget earlier failures); needs change_rule and a reason; audited."""
        if not request.user.has_perm(CHANGE_RULE):
            raise PermissionDenied("Resetting a breaker needs the change rule permission.")
        body = ResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = remediate.reset_breaker(
            self.get_object(), actor=Actor.of(request.user), reason=body.validated_data["reason"]
        )
        return Response({"breaker": remediate.breaker_of(rule)})

    def _need_view(self) -> None:
        if not self.request.user.has_perm(VIEW_RULE):
            raise PermissionDenied("Simulating rules needs the view rule permission.")

    def get_permissions(self):  # type: ignore[no-untyped-def]
        # simulate is a read (POST only because it carries a body): it needs view_rule, checked in the action.
        if self.action == "simulate":
            return [IsAuthenticated()]
        return super().get_permissions()
