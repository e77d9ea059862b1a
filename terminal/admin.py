"""Admin of the terminal app: sessions (read-only)."""

from __future__ import annotations

from django.contrib import admin

from remediation.admin.readonly import ReadOnlyAdminMixin
from terminal.models import TerminalSession


@admin.register(TerminalSession)
class TerminalSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "user", "server_name", "status", "end_reason", "bytes_in", "bytes_out")
    list_filter = ("status", "end_reason")
    search_fields = ("user__username", "server_name", "uuid")
    readonly_fields = [f.name for f in TerminalSession._meta.fields]
