"""Audit log admin: read-only for everyone, superusers included."""

from __future__ import annotations

from django.contrib import admin

from remediation.admin.readonly import ReadOnlyAdminMixin
from remediation.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_repr", "ip", "request_id"]
    list_filter = ["action", "object_type", "created_at"]
    search_fields = ["actor_label", "action", "object_repr", "reason", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None
