"""Admin of the terminal app: grants (audited changes) and sessions (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from remediation.admin.readonly import ReadOnlyAdminMixin
from remediation.admin.users import AuditedAdminMixin
from terminal.models import TerminalGrant, TerminalSession


@admin.register(TerminalGrant)
class TerminalGrantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "server", "tag", "expires_at", "note", "created_at")
    list_filter = ("tag",)
    search_fields = ("user__username", "server__name", "tag", "note")
    autocomplete_fields = ("user",)
    raw_id_fields = ("server",)

    def access_holders(self, obj: Any) -> set[int]:
        return {obj.user_id}


@admin.register(TerminalSession)
class TerminalSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "user", "server_name", "status", "end_reason", "bytes_in", "bytes_out")
    list_filter = ("status", "end_reason")
    search_fields = ("user__username", "server_name", "uuid")
    readonly_fields = [f.name for f in TerminalSession._meta.fields]
