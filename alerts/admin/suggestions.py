"""Admin of suggestions: read-only, they are created by `suggest` rules and used once from the portal or the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from alerts.models import Suggestion
from remediation.admin.readonly import ReadOnlyAdminMixin
from remediation.redaction import mask_data


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "alert", "rule", "runbook", "created_at", "used_by", "used_at", "execution"]
    list_filter = ["created_at", "used_at", "rule", "runbook"]
    search_fields = ["alert__alertname", "rule__name", "runbook__name", "used_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["alert", "rule", "runbook", "used_by", "execution__runbook"]
    fields = readonly_fields = (
        "alert",
        "action_request",
        "rule",
        "runbook",
        "target_ids",
        "masked_params",
        "created_at",
        "used_by",
        "used_at",
        "execution",
    )
    actions = None

    @admin.display(description="params")
    def masked_params(self, suggestion: Suggestion) -> Any:
        """Parameters filled from the alert, secret-named values masked (as the API shows them)."""
        return mask_data(suggestion.params)
