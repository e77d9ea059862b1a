"""Maintenance windows and kill switch API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.permissions import ModelPerms
from remediation.permissions import MANAGE_KILL_SWITCH, VIEW_KILLSWITCH
from runbooks.models import KillSwitch, MaintenanceWindow
from runbooks.services.maintenance import (
    WINDOW_FIELDS,
    delete_maintenance_window,
    save_maintenance_window,
    set_kill_switch,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = MaintenanceWindow
        fields = ["id", *WINDOW_FIELDS, "is_open", "created_at", "updated_at"]
        read_only_fields = ["id", "is_open", "created_at", "updated_at"]

    def get_is_open(self, window: MaintenanceWindow) -> bool:
        return window.is_open(timezone.now())


class MaintenanceWindowViewSet(viewsets.ModelViewSet):
    """Maintenance windows; model permissions (view/add/change/delete_maintenancewindow)."""

    serializer_class = MaintenanceWindowSerializer
    permission_classes = [ModelPerms]
    perm_model = "runbooks.maintenancewindow"
    queryset = MaintenanceWindow.objects.order_by("id")

    def perform_create(self, serializer: MaintenanceWindowSerializer) -> None:  # type: ignore[override]
        self._save(serializer, MaintenanceWindow())

    def perform_update(self, serializer: MaintenanceWindowSerializer) -> None:  # type: ignore[override]
        self._save(serializer, serializer.instance)  # type: ignore[arg-type]  # an update always has its instance

    def _save(self, serializer: MaintenanceWindowSerializer, window: MaintenanceWindow) -> None:
        for name, value in serializer.validated_data.items():
            setattr(window, name, value)
        try:
            serializer.instance = save_maintenance_window(window, actor=Actor.of(self.request.user))
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: MaintenanceWindow) -> None:
        delete_maintenance_window(instance, actor=Actor.of(self.request.user))


class KillSwitchSerializer(serializers.ModelSerializer):
    changed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = KillSwitch
        fields = ["engaged", "reason", "changed_at", "changed_by"]
        read_only_fields = ["changed_at", "changed_by"]
        extra_kwargs = {"reason": {"required": True, "allow_blank": False}, "engaged": {"required": True}}


class KillSwitchView(APIView):
    """GET the global kill switch (view_killswitch); PUT {engaged, reason} needs remediation.manage_kill_switch."""

    serializer_class = KillSwitchSerializer

    def get(self, request: Request) -> Response:
        if not request.user.has_perm(VIEW_KILLSWITCH):
            raise PermissionDenied("Viewing the kill switch needs the view permission.")
        return Response(KillSwitchSerializer(KillSwitch.current()).data)

    @extend_schema(request=KillSwitchSerializer, responses=KillSwitchSerializer)
    def put(self, request: Request) -> Response:
        if not request.user.has_perm(MANAGE_KILL_SWITCH):
            raise PermissionDenied("Changing the kill switch needs the manage kill switch permission.")
        body = KillSwitchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        switch = set_kill_switch(
            body.validated_data["engaged"],
            reason=body.validated_data["reason"],
            actor=Actor.of(request.user),
        )
        return Response(KillSwitchSerializer(switch).data)
