"""API shapes of the ai app; the provider API key is write-only and shown only as "set" / "not set"."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ai.markdown import render_markdown
from ai.models import ChatMessage, ChatProposal, ChatSession, Provider
from ai.services.providers import ProviderUnavailable, chosen_provider


@extend_schema_field(OpenApiTypes.STR)
class ProviderChoiceField(serializers.Field):
    """The provider a user picks: any enabled one, by id or name (omitted or null: the default); shown by name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "An enabled AI provider (id or name); the default provider when omitted.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Provider | None:
        try:
            return chosen_provider(data)
        except ProviderUnavailable as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: Provider | None) -> str | None:
        return value.name if value is not None else None


class ProviderSerializer(serializers.ModelSerializer):
    api_key = serializers.CharField(write_only=True, required=False, allow_blank=True, trim_whitespace=True)
    api_key_status = serializers.CharField(read_only=True)
    # Declared, so DRF does not derive a uniqueness validator from the one-default constraint: setting a new
    # default hands the role over (service) and the constraint still guards against races (database).
    is_default = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "model",
            "api_base",
            "api_key",
            "api_key_status",
            "timeout_seconds",
            "temperature",
            "max_tokens",
            "enabled",
            "is_default",
            "fallback",
            "health_status",
            "health_checked_at",
            "health_latency_ms",
            "health_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "health_status",
            "health_checked_at",
            "health_latency_ms",
            "health_error",
            "created_at",
            "updated_at",
        ]

    def validate_api_base(self, value: str) -> str:
        return value.strip()


class ProbeResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    latency_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    model = serializers.CharField()


class ChatMessageSerializer(serializers.ModelSerializer):
    html = serializers.SerializerMethodField(help_text="The content as sanitized HTML (Markdown rendered).")

    class Meta:
        model = ChatMessage
        fields = ["id", "role", "content", "html", "status", "error", "model", "created_at"]

    def get_html(self, message: ChatMessage) -> str:
        return str(render_markdown(message.content))


class ChatProposalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChatProposal
        fields = [
            "id",
            "message",
            "runbook_name",
            "params",
            "targets",
            "target_ids",
            "plan",
            "reason",
            "status",
            "execution_id",
            "error",
        ]


class ChatSessionSerializer(serializers.ModelSerializer):
    provider = ProviderChoiceField()

    class Meta:
        model = ChatSession
        fields = ["id", "title", "alert", "provider", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ChatSessionDetailSerializer(ChatSessionSerializer):
    messages = ChatMessageSerializer(many=True, read_only=True)
    proposals = ChatProposalSerializer(many=True, read_only=True)

    class Meta(ChatSessionSerializer.Meta):
        fields = [*ChatSessionSerializer.Meta.fields, "messages", "proposals"]
