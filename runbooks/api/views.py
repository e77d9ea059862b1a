"""Runbook and execution API: thin views over the definitions, plan, execute and YAML services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from remediation.actors import Actor
from remediation.api.pagination import NewestFirstCursorPagination
from remediation.api.parsers import ObjectJSONParser
from remediation.api.permissions import HasPerm
from remediation.permissions import AUTHOR_RUNBOOK, CANCEL_EXECUTION, EXECUTE_RUNBOOK, VIEW_EXECUTION, VIEW_RUNBOOK
from runbooks.api import serializers as s
from runbooks.models import Execution, Runbook
from runbooks.services import approvals, verification
from runbooks.services import execute as execute_service
from runbooks.services.definitions import DefinitionError, delete_runbook, save_runbook, with_latest_definition
from runbooks.services.plan import plan_runbook
from runbooks.services.scope import OutOfScope
from runbooks.services.yaml_io import export_yaml, import_yaml

AUTHOR = AUTHOR_RUNBOOK


class YamlTextParser(BaseParser):
    """Hands a YAML body to the import service as text (parsing happens there, with yaml.safe_load)."""

    media_type = "application/yaml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, str]:
        return {"yaml": stream.read().decode("utf-8", errors="replace")}


def _need(request: Request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(f"This needs the {perm} permission.")


class RunbookViewSet(viewsets.ModelViewSet):
    """Runbooks with nested steps; writing needs remediation.author_runbook (remote code execution)."""

    permission_classes = [HasPerm]
    read_perm = VIEW_RUNBOOK
    write_perm = AUTHOR
    serializer_class = s.RunbookSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = with_latest_definition(Runbook.objects.prefetch_related("steps").order_by("name"))
        tag = self.request.query_params.get("tag")
        return [r for r in queryset if tag in r.tags] if tag else queryset

    @extend_schema(request=s.RunbookWriteSerializer, responses=s.RunbookSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            runbook = save_runbook(dict(request.data), actor=Actor.of(request.user))
        except DefinitionError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(s.RunbookSerializer(runbook).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RunbookWriteSerializer, responses=s.RunbookSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            runbook = save_runbook(dict(request.data), actor=Actor.of(request.user), runbook=self.get_object())
        except DefinitionError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(s.RunbookSerializer(runbook).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            delete_runbook(self.get_object(), actor=Actor.of(request.user))
        except DefinitionError as exc:
            return Response({"detail": str(exc.errors["non_field_errors"][0])}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.PlanRequestSerializer, responses=dict)
    @action(detail=True, methods=["post"], permission_classes=[])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        """Render every step for every target and report problems; contacts nothing."""
        _need(request, VIEW_RUNBOOK)
        body = s.PlanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            plan = plan_runbook(
                self.get_object(),
                params=data["params"],
                target_ids=data["targets"],
                alert=data["alert"],
                actor=Actor.of(request.user),
            )
        except OutOfScope as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(plan.to_json())

    @extend_schema(request=s.ExecuteRequestSerializer, responses=s.ExecutionDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[])
    def execute(self, request: Request, pk: str | None = None) -> Response:
        """Request an execution (or a dry run) of the current version."""
        _need(request, EXECUTE_RUNBOOK)
        body = s.ExecuteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            execution = execute_service.request_execution(
                self.get_object(),
                actor=Actor.of(request.user),
                params=data["params"],
                target_ids=data["targets"],
                dry_run=data["dry_run"],
                trigger="api",
                alert=data["alert"] or None,
                override_reason=data["override_reason"],
            )
        except execute_service.ExecutionForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        except execute_service.ExecutionRefused as exc:
            return Response({"detail": str(exc), "plan": exc.plan_json()}, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.ExecutionDetailSerializer(execution).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str | None = None) -> Response:
        """Success rate, resolved-within-window rate and median time to resolve of this runbook's real runs."""
        return Response(verification.execution_stats(self.get_object().executions.all()))

    @extend_schema(responses={(200, "application/yaml"): str})
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        response = HttpResponse(export_yaml([self.get_object()]), content_type="application/yaml")
        response["Content-Disposition"] = f'attachment; filename="{self.get_object().name}.yaml"'
        return response

    @extend_schema(request={"application/yaml": str}, responses=s.RunbookSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[YamlTextParser, ObjectJSONParser])
    def import_(self, request: Request) -> Response:
        """Create or update runbooks from YAML (an application/yaml body, or JSON {"yaml": "..."})."""
        text = request.data.get("yaml") if isinstance(request.data, dict) else None
        if not isinstance(text, str):
            raise ValidationError({"yaml": ["send the YAML as an application/yaml body or a 'yaml' string field"]})
        try:
            runbooks = import_yaml(text, actor=Actor.of(request.user))
        except DefinitionError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(s.RunbookSerializer(runbooks, many=True).data)


class ExecutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Executions (newest first) with their step runs; cancel needs remediation.cancel_execution."""

    permission_classes = [HasPerm]
    read_perm = VIEW_EXECUTION
    pagination_class = NewestFirstCursorPagination

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return s.ExecutionDetailSerializer if self.action != "list" else s.ExecutionSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = Execution.objects.select_related("runbook", "version", "requested_by", "approved_by")
        params = self.request.query_params
        for name in ("status", "trigger", "runbook"):
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        if self.action != "list":
            queryset = queryset.prefetch_related("step_runs")
        return queryset

    @extend_schema(request=None, responses=s.ExecutionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        _need(request, CANCEL_EXECUTION)
        try:
            execution = execute_service.cancel_execution(self.get_object(), actor=Actor.of(request.user))
        except execute_service.ExecutionRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(s.ExecutionSerializer(execution).data)

    @extend_schema(request=s.ApprovalDecisionSerializer, responses=s.ExecutionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve an execution awaiting approval (not your own request); it then runs the plan shown."""
        return self._decide(request, approvals.approve_execution)

    @extend_schema(request=s.ApprovalDecisionSerializer, responses=s.ExecutionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject an execution awaiting approval, with a reason."""
        return self._decide(request, approvals.reject_execution)

    def _decide(self, request: Request, service: Any) -> Response:
        _need(request, approvals.APPROVE_PERMISSION)
        body = s.ApprovalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            execution = service(self.get_object(), actor=Actor.of(request.user), reason=body.validated_data["reason"])
        except approvals.ApprovalForbidden as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except approvals.ApprovalRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(s.ExecutionSerializer(execution).data)
