"""Serializers of the terminal API."""

from __future__ import annotations

from rest_framework import serializers

from terminal.models import TerminalSession


class TerminalSessionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    recording_url = serializers.SerializerMethodField()

    class Meta:
        model = TerminalSession
        fields = [
            "id",
            "uuid",
            "user",
            "server",
            "server_name",
            "status",
            "started_at",
            "ended_at",
            "end_reason",
            "end_detail",
            "bytes_in",
            "bytes_out",
            "cols",
            "rows",
            "client_ip",
            "recording_input",
            "recording_url",
        ]
        read_only_fields = fields

    def get_recording_url(self, session: TerminalSession) -> str | None:
        if not session.has_recording:
            return None
        request = self.context.get("request")
        path = f"/api/v1/terminal-sessions/{session.pk}/recording/"
        return request.build_absolute_uri(path) if request is not None else path
