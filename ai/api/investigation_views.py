"""Investigation API: list, start, read (transcript, commands, finding), stop, and approve or reject a command."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai.models import CommandRequest, Investigation, InvestigationEntry, Provider
from ai.services.investigation_live import command_state, investigation_state
from ai.services.investigations import InvestigationRefused, decide_command, start_investigation, stop_investigation
from alerts.models import Alert
from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.permissions import HasPerm
from remediation.models import Server
from remediation.permissions import APPROVE_EXECUTION, EXECUTE_RUNBOOK, VIEW_INVESTIGATION


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The investigation is not in a state that allows this."


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = InvestigationEntry
        fields = ["id", "seq", "kind", "content", "tool", "arguments", "tool_call_id", "created_at"]


class CommandSerializer(serializers.ModelSerializer):
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CommandRequest
        fields = [
            "id",
            "server",
            "server_name",
            "command",
            "why",
            "status",
            "policy_reason",
            "decided_by",
            "decided_at",
            "decision_reason",
            "exit_code",
            "output",
            "output_truncated",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


LIST_FIELDS = [
    "id",
    "goal",
    "alert",
    "server",
    "provider",
    "provider_name",
    "model",
    "requested_by",
    "status",
    "end_reason",
    "error",
    "max_steps",
    "max_seconds",
    "max_tokens",
    "max_cost_usd",
    "steps",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "finding",
    "created_at",
    "started_at",
    "finished_at",
]


class InvestigationSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Investigation
        fields = LIST_FIELDS
        read_only_fields = LIST_FIELDS


class InvestigationDetailSerializer(InvestigationSerializer):
    entries = EntrySerializer(many=True, read_only=True)
    commands = CommandSerializer(many=True, read_only=True)

    class Meta(InvestigationSerializer.Meta):
        fields = [*LIST_FIELDS, "entries", "commands"]
        read_only_fields = fields


class StartSerializer(serializers.Serializer):
    goal = serializers.CharField(max_length=4000)
    alert = serializers.PrimaryKeyRelatedField(queryset=Alert.objects.all(), required=False, allow_null=True)
    server = serializers.PrimaryKeyRelatedField(queryset=Server.objects.all(), required=False, allow_null=True)
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Provider.objects.filter(enabled=True), required=False, allow_null=True
    )
    budgets = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=4), required=False)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class InvestigationViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Investigations: reading needs ai.view_investigation; starting one needs remediation.execute_runbook."""

    permission_classes = [HasPerm]
    read_perm = VIEW_INVESTIGATION
    write_perm = EXECUTE_RUNBOOK

    def get_queryset(self) -> QuerySet[Investigation]:
        rows = Investigation.objects.select_related("requested_by").order_by("-id")
        if self.action == "retrieve":
            return rows.prefetch_related("entries", "commands__decided_by")
        return rows

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return StartSerializer
        return InvestigationDetailSerializer if self.action == "retrieve" else InvestigationSerializer

    @extend_schema(request=StartSerializer, responses={201: InvestigationDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = StartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            investigation = start_investigation(
                actor=Actor.of(request.user),
                goal=data["goal"],
                alert=data.get("alert"),
                server=data.get("server"),
                provider=data.get("provider"),
                budgets=data.get("budgets"),
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc
        except InvestigationRefused as exc:
            raise Conflict(str(exc)) from exc
        return Response(InvestigationDetailSerializer(investigation).data, status=status.HTTP_201_CREATED)


class StopInvestigationView(APIView):
    """Stop an investigation (its requester or an approver; the service decides)."""

    permission_classes = [HasPerm]
    write_perm = VIEW_INVESTIGATION

    @extend_schema(request=None, responses={200: InvestigationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        investigation = get_object_or_404(Investigation, pk=pk)
        try:
            stopped = stop_investigation(investigation, actor=Actor.of(request.user))
        except InvestigationRefused as exc:
            raise Conflict(str(exc)) from exc
        return Response(investigation_state(stopped))


class DecideCommandView(APIView):
    """Approve or reject one pending command of an investigation (an approver with a grant, never its requester)."""

    permission_classes = [HasPerm]
    write_perm = APPROVE_EXECUTION
    approve = True

    @extend_schema(request=DecisionSerializer, responses={200: CommandSerializer})
    def post(self, request: Request, pk: int, cid: int) -> Response:
        command = get_object_or_404(CommandRequest, pk=cid, investigation_id=pk)
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            decided = decide_command(
                command, actor=Actor.of(request.user), approve=self.approve, reason=form.validated_data["reason"]
            )
        except InvestigationRefused as exc:
            raise Conflict(str(exc)) from exc
        return Response(command_state(decided))
