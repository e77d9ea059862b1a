"""AI API: providers (Admin only, with "test") and the user's own chat sessions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ai.api.serializers import (
    ChatSessionDetailSerializer,
    ChatSessionSerializer,
    ProbeResultSerializer,
    ProviderSerializer,
)
from ai.models import ChatSession, Provider
from ai.services.chat import create_session
from ai.services.providers import UNSET, delete_provider, probe_provider, save_provider
from remediation.actors import Actor
from remediation.api.errors import invalid_input
from remediation.api.permissions import HasPerm
from remediation.permissions import CHANGE_PROVIDER, USE_CHAT


class ProviderViewSet(viewsets.ModelViewSet):
    """LLM providers; reading or changing them needs ai.change_provider (Admin). The key is never returned."""

    serializer_class = ProviderSerializer
    permission_classes = [HasPerm]
    read_perm = CHANGE_PROVIDER
    write_perm = CHANGE_PROVIDER
    queryset = Provider.objects.all()

    def get_queryset(self) -> QuerySet[Provider]:
        return Provider.objects.order_by("name")

    def _save(self, serializer: ProviderSerializer, instance: Provider) -> Provider:
        data: dict[str, Any] = dict(serializer.validated_data)
        key = data.pop("api_key", UNSET)
        try:
            return save_provider(instance, data, actor=Actor.of(self.request.user), api_key=key)
        except DjangoValidationError as exc:
            raise invalid_input(exc) from exc

    def perform_create(self, serializer: ProviderSerializer) -> None:  # type: ignore[override]
        serializer.instance = self._save(serializer, Provider())

    def perform_update(self, serializer: ProviderSerializer) -> None:  # type: ignore[override]
        serializer.instance = self._save(serializer, self.get_object())

    def perform_destroy(self, instance: Provider) -> None:
        delete_provider(instance, actor=Actor.of(self.request.user))

    @extend_schema(request=None, responses={200: ProbeResultSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """One tiny request to the provider; reports latency or the error."""
        result = probe_provider(self.get_object(), actor=Actor.of(request.user))
        return Response(ProbeResultSerializer(result).data, status=status.HTTP_200_OK)


class ChatSessionViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own chat sessions (needs remediation.use_chat); the conversation itself runs over WebSocket."""

    permission_classes = [HasPerm]
    read_perm = USE_CHAT
    write_perm = USE_CHAT

    def get_queryset(self) -> QuerySet[ChatSession]:
        # HasPerm lets only signed-in users this far, so request.user is never anonymous here.
        sessions = ChatSession.objects.filter(user=self.request.user).select_related("provider")  # type: ignore[misc]
        return sessions.order_by("-updated_at", "-id")

    def get_serializer_class(self) -> type:
        return ChatSessionDetailSerializer if self.action == "retrieve" else ChatSessionSerializer

    def perform_create(self, serializer: ChatSessionSerializer) -> None:  # type: ignore[override]
        data = serializer.validated_data
        serializer.instance = create_session(
            self.request.user,  # type: ignore[arg-type]  # signed in (HasPerm)
            title=data.get("title", ""),
            alert=data.get("alert"),
            provider=data.get("provider"),
        )
