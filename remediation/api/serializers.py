"""Serializers of the core API."""

from __future__ import annotations

from rest_framework import serializers

from remediation.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "ip",
            "request_id",
        ]
        read_only_fields = fields
