"""Admin of grants: who may work on which server (audited changes; the users concerned are told at once)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from remediation.admin.users import AuditedAdminMixin
from remediation.models import TerminalGrant


@admin.register(TerminalGrant)
class TerminalGrantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "server", "tag", "expires_at", "note", "created_at")
    list_filter = ("tag",)
    search_fields = ("user__username", "server__name", "tag", "note")
    autocomplete_fields = ("user",)
    raw_id_fields = ("server",)

    def access_holders(self, obj: Any) -> set[int]:
        return {obj.user_id}
