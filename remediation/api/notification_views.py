"""Notifications API: channels (read: view_notificationchannel; write: Admin; the secret write-only) and the
read-only delivery log (filter by status, channel and event)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.permissions import HasPerm, ModelPerms
from remediation.choices import NotificationEvent
from remediation.models import NotificationChannel, NotificationDelivery
from remediation.notifications import channels as channel_service
from remediation.permissions import (
    ADD_NOTIFICATIONCHANNEL,
    CHANGE_NOTIFICATIONCHANNEL,
    DELETE_NOTIFICATIONCHANNEL,
    VIEW_NOTIFICATIONCHANNEL,
)


class NotificationChannelSerializer(serializers.ModelSerializer):
    """A channel; `secret` is accepted and never returned (`secret_stored` says whether one is stored)."""

    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, style={"input_type": "password"})
    clear_secret = serializers.BooleanField(write_only=True, required=False, default=False)
    secret_stored = serializers.BooleanField(source="has_secret", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=NotificationEvent.choices), required=False)

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "name",
            "kind",
            "url",
            "recipients",
            "enabled",
            "severity_floor",
            "events",
            "is_default",
            "secret_stored",
            "created_at",
            "updated_at",
            "secret",
            "clear_secret",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}  # the service's full_clean checks

    def split(self) -> tuple[dict[str, Any], str | None, bool]:
        data = dict(self.validated_data)
        secret = data.pop("secret", "") or None
        return data, secret, bool(data.pop("clear_secret", False))


class NotificationDeliverySerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)

    class Meta:
        model = NotificationDelivery
        fields = [
            "id",
            "channel",
            "channel_name",
            "event",
            "severity",
            "dedup_key",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "updated_at",
            "sent_at",
        ]
        read_only_fields = fields


class NotificationChannelViewSet(viewsets.ModelViewSet):
    """Notification channels; every change goes through the audited service."""

    serializer_class = NotificationChannelSerializer
    permission_classes = [HasPerm]
    read_perm = VIEW_NOTIFICATIONCHANNEL
    WRITE_PERMS = {
        "create": ADD_NOTIFICATIONCHANNEL,
        "destroy": DELETE_NOTIFICATIONCHANNEL,
    }

    @property
    def write_perm(self) -> str:
        return self.WRITE_PERMS.get(self.action or "", CHANGE_NOTIFICATIONCHANNEL)

    def get_queryset(self) -> QuerySet[NotificationChannel]:
        return NotificationChannel.objects.all()

    def perform_create(self, serializer: NotificationChannelSerializer) -> None:  # type: ignore[override]
        fields, secret, _clear = serializer.split()
        try:
            serializer.instance = channel_service.create_channel(
                actor=Actor.of(self.request.user), fields=fields, secret=secret
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_update(self, serializer: NotificationChannelSerializer) -> None:  # type: ignore[override]
        fields, secret, clear = serializer.split()
        try:
            serializer.instance = channel_service.update_channel(
                serializer.instance,  # type: ignore[arg-type]  # an update always has its instance
                actor=Actor.of(self.request.user),
                fields=fields,
                secret=secret,
                clear_secret=clear,
            )
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_destroy(self, instance: NotificationChannel) -> None:
        channel_service.delete_channel(instance, actor=Actor.of(self.request.user))


DELIVERY_FILTERS = [
    OpenApiParameter("status", str, description="queued, sending, sent or failed"),
    OpenApiParameter("channel", int, description="channel id"),
    OpenApiParameter("event", str, description="event kind, e.g. approval.requested"),
]


@extend_schema(parameters=DELIVERY_FILTERS)
class NotificationDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """The delivery log, newest first (read: view_notificationdelivery)."""

    serializer_class = NotificationDeliverySerializer
    permission_classes = [ModelPerms]
    perm_model = "remediation.notificationdelivery"

    def get_queryset(self) -> QuerySet[NotificationDelivery]:
        deliveries = NotificationDelivery.objects.select_related("channel").order_by("-id")
        params = self.request.query_params
        if params.get("status"):
            deliveries = deliveries.filter(status=params["status"])
        if params.get("event"):
            deliveries = deliveries.filter(event=params["event"])
        if params.get("channel"):
            try:
                deliveries = deliveries.filter(channel_id=int(params["channel"]))
            except ValueError:
                raise ValidationError({"channel": "Give a channel id (a number)."}) from None
        return deliveries
