"""Schedule API: thin views over the schedules service (create/update/delete/pause/resume, next-run preview)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.pagination import NewestFirstCursorPagination
from remediation.api.permissions import ModelPerms
from runbooks.models import Runbook, RunbookSchedule, ScheduleRun
from runbooks.services import schedules as service

PREVIEW_COUNT = 5


class ScheduleRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduleRun
        fields = ["id", "scheduled_for", "status", "execution", "reason", "created_at"]


class ScheduleSerializer(serializers.ModelSerializer):
    runbook = serializers.SlugRelatedField(slug_field="name", queryset=Runbook.objects.all())
    next_runs = serializers.SerializerMethodField()

    class Meta:
        model = RunbookSchedule
        # What the schedules service may change, then what it computes.
        fields = ["id", *service.EDITABLE, "next_run_at", "last_run_at", "next_runs", "created_at", "updated_at"]
        read_only_fields = ["next_run_at", "last_run_at", "created_at", "updated_at"]

    def get_next_runs(self, schedule: RunbookSchedule) -> list[str]:
        """The next few intended runs (UTC), a preview of the cron expression in its time zone."""
        if not schedule.enabled:
            return []
        return [t.isoformat() for t in service.preview(schedule, count=PREVIEW_COUNT)]


class ScheduleViewSet(viewsets.ModelViewSet):
    """Runbook schedules; changes go through the schedules service (audited, django-q2 kept in step)."""

    permission_classes = [ModelPerms]
    perm_model = "runbooks.runbookschedule"
    serializer_class = ScheduleSerializer
    queryset = RunbookSchedule.objects.select_related("runbook").order_by("name")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        try:
            serializer.instance = service.create_schedule(
                actor=Actor.of(self.request.user), **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        try:
            serializer.instance = service.update_schedule(
                serializer.instance,  # type: ignore[arg-type]  # an update always has its instance
                actor=Actor.of(self.request.user),
                **serializer.validated_data,
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: RunbookSchedule) -> None:
        service.delete_schedule(instance, actor=Actor.of(self.request.user))

    @extend_schema(request=None, responses=ScheduleSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        """Stop firing until resumed (nothing is recorded while paused)."""
        schedule = service.set_schedule_enabled(self.get_object(), False, actor=Actor.of(request.user))
        return Response(self.get_serializer(schedule).data)

    @extend_schema(request=None, responses=ScheduleSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        """Fire again from the next intended run after now."""
        schedule = service.set_schedule_enabled(self.get_object(), True, actor=Actor.of(request.user))
        return Response(self.get_serializer(schedule).data)

    @extend_schema(responses=ScheduleRunSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Intended runs and what became of each: started, missed, skipped, refused (newest first)."""
        schedule = self.get_object()
        paginator = NewestFirstCursorPagination()
        page = paginator.paginate_queryset(schedule.runs.all(), request, view=self)
        return paginator.get_paginated_response(ScheduleRunSerializer(page, many=True).data)
