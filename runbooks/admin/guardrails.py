"""Admin of the guardrails: maintenance windows and the kill switch (changes go through the audited services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from remediation.actors import Actor
from remediation.admin.widgets import RowsField, matcher_columns
from remediation.choices import MatcherOp
from remediation.permissions import MANAGE_KILL_SWITCH
from runbooks.models import KillSwitch, MaintenanceWindow
from runbooks.services.maintenance import (
    WINDOW_FIELDS,
    delete_maintenance_window,
    save_maintenance_window,
    set_kill_switch,
)


class MaintenanceWindowForm(forms.ModelForm):
    matchers = RowsField(
        matcher_columns(MatcherOp.choices),
        help_text="Which alerts it covers, like a rule's matchers (all must match); none = every alert.",
    )

    class Meta:
        model = MaintenanceWindow
        fields = list(WINDOW_FIELDS)


class KillSwitchForm(forms.ModelForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why? Recorded in the audit log.")

    class Meta:
        model = KillSwitch
        fields = ["engaged", "reason"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm
    list_display = ["name", "enabled", "kind", "starts_at", "ends_at", "cron", "duration_minutes", "timezone"]
    list_filter = ["enabled", "kind"]
    search_fields = ["name", "reason"]

    def save_model(self, request: HttpRequest, obj: MaintenanceWindow, form: Any, change: bool) -> None:
        save_maintenance_window(obj, actor=Actor.of(request.user))

    def delete_model(self, request: HttpRequest, obj: MaintenanceWindow) -> None:
        delete_maintenance_window(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MaintenanceWindow]) -> None:
        for window in queryset:
            delete_maintenance_window(window, actor=Actor.of(request.user))


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):
    form = KillSwitchForm
    list_display = ["__str__", "reason", "changed_at", "changed_by"]
    fields = ["engaged", "reason", "changed_at", "changed_by"]
    readonly_fields = ["changed_at", "changed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm(MANAGE_KILL_SWITCH))

    def get_queryset(self, request: HttpRequest) -> QuerySet[KillSwitch]:
        KillSwitch.current()
        return super().get_queryset(request)

    def save_model(self, request: HttpRequest, obj: KillSwitch, form: Any, change: bool) -> None:
        set_kill_switch(obj.engaged, reason=form.cleaned_data["reason"], actor=Actor.of(request.user))
