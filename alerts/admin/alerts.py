"""Admin of the alerts app: episodes read-only, with their decisions (the timeline) inline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from alerts.models import ActionRequest, Alert, Decision


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = readonly_fields = ("created_at", "status", "rule_name", "action", "outcome", "matched", "suppressions")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActionRequestInline(admin.TabularInline):
    model = ActionRequest
    extra = 0
    fields = readonly_fields = ("created_at", "kind", "rule", "status", "dispatched_at", "finished_at", "note")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "alertname",
        "severity",
        "status",
        "starts_at",
        "last_received_at",
        "receive_count",
        "ignored",
    ]
    list_filter = ["status", "severity", "ignored", "source"]
    search_fields = ["alertname", "fingerprint"]
    date_hierarchy = "starts_at"
    readonly_fields = [f.name for f in Alert._meta.fields]
    inlines = [DecisionInline, ActionRequestInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
