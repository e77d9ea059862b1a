"""Serializers of servers and credentials: secrets are write-only and never serialized back."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from remediation.models import Credential, Server
from remediation.models.inventory import SECRET_FIELDS


def _secret_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )


class CredentialSerializer(serializers.ModelSerializer):
    """Plain fields plus `secrets` ({field: "set" | "not set"}); secret values are accepted, never returned."""

    secrets = serializers.SerializerMethodField()
    password = _secret_field()
    private_key = _secret_field()
    passphrase = _secret_field()
    token = _secret_field()
    clear = serializers.ListField(
        child=serializers.ChoiceField(choices=SECRET_FIELDS),
        write_only=True,
        required=False,
        help_text="Secret fields to remove.",
    )

    class Meta:
        model = Credential
        fields = [
            "id",
            "name",
            "kind",
            "username",
            "description",
            "allowed_origins",
            "secrets",
            "key_type",
            "key_fingerprint",
            "created_at",
            "updated_at",
            "password",
            "private_key",
            "passphrase",
            "token",
            "clear",
        ]
        read_only_fields = ["id", "key_type", "key_fingerprint", "created_at", "updated_at"]
        # Uniqueness is checked by the model's full_clean in the service.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}

    def get_secrets(self, credential: Credential) -> dict[str, str]:
        return {name: "set" if present else "not set" for name, present in credential.secret_status().items()}

    def split(self) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """(plain fields, secrets to replace, secrets to clear) from validated data."""
        data = dict(self.validated_data)
        secrets = {name: data.pop(name) for name in SECRET_FIELDS if name in data}
        return data, {k: v for k, v in secrets.items() if v}, data.pop("clear", [])


class ServerSerializer(serializers.ModelSerializer):
    """A server; the pinned host key and the last connection test are read-only here (use the actions)."""

    credential_name = serializers.CharField(source="credential.name", read_only=True, default=None)
    host_key_pinned_by = serializers.CharField(source="host_key_pinned_by.username", read_only=True, default=None)
    connection_status = serializers.CharField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    aliases = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = Server
        fields = [
            "id",
            "name",
            "hostname",
            "port",
            "username",
            "credential",
            "credential_name",
            "environment",
            "tags",
            "aliases",
            "description",
            "enabled",
            "host_key_type",
            "host_key_fingerprint",
            "host_key_pinned_at",
            "host_key_pinned_by",
            "connection_status",
            "last_test_at",
            "last_test_ok",
            "last_test_result",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "host_key_type",
            "host_key_fingerprint",
            "host_key_pinned_at",
            "last_test_at",
            "last_test_ok",
            "last_test_result",
            "created_at",
            "updated_at",
        ]
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


class PinHostKeySerializer(serializers.Serializer):
    """Pin a pasted known_hosts line, or fetch the presented key (only if it matches expected_fingerprint, if given)."""

    known_hosts_line = serializers.CharField(required=False, allow_blank=True)
    expected_fingerprint = serializers.CharField(required=False, allow_blank=True)


class ImportSerializer(serializers.Serializer):
    """Bulk import: `content` in `format` (yaml or csv); all rows are created or none."""

    format = serializers.ChoiceField(choices=["yaml", "csv"])
    content = serializers.CharField(trim_whitespace=False, max_length=2_000_000)
