"""Admin of what runs: the command policy, executions (read-only) and schedules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from remediation.actors import Actor
from remediation.redaction import mask_data
from runbooks.models import CommandPolicyRule, Execution, RunbookSchedule, ScheduleRun, StepRun
from runbooks.policy import delete_policy_rule, save_policy_rule
from runbooks.services import schedules


@admin.register(CommandPolicyRule)
class CommandPolicyRuleAdmin(admin.ModelAdmin):
    """Blocklist rules; every change is audited as command_policy.changed."""

    list_display = ["name", "enabled", "overridable", "pattern", "description"]
    list_filter = ["enabled", "overridable"]

    def save_model(self, request: HttpRequest, obj: CommandPolicyRule, form: Any, change: bool) -> None:
        save_policy_rule(obj, actor=Actor.of(request.user))

    def delete_model(self, request: HttpRequest, obj: CommandPolicyRule) -> None:
        delete_policy_rule(obj, actor=Actor.of(request.user))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the audit
        return actions


class StepRunInline(admin.TabularInline):
    model = StepRun
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "step_name",
        "phase",
        "target_name",
        "attempt",
        "status",
        "exit_code",
        "http_status",
        "error_kind",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Execution)
class ExecutionAdmin(admin.ModelAdmin):
    """Read-only: executions change only through the engine."""

    list_display = ["id", "runbook", "status", "trigger", "dry_run", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "trigger", "dry_run"]
    search_fields = ["runbook__name", "status_reason"]
    inlines = [StepRunInline]
    list_select_related = ["runbook", "requested_by"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Parameters are shown masked, as the API shows them (a secret-named parameter is a secret).
        return tuple("masked_params" if f.name == "params" else f.name for f in Execution._meta.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description="params")
    def masked_params(self, execution: Execution) -> Any:
        return mask_data(execution.params)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScheduleRunInline(admin.TabularInline):
    model = ScheduleRun
    fields = readonly_fields = ("scheduled_for", "status", "execution", "reason")
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-scheduled_for"]


@admin.register(RunbookSchedule)
class RunbookScheduleAdmin(admin.ModelAdmin):
    """Saving, deleting, pausing and resuming go through the schedules service (audited, django-q2 kept in step)."""

    list_display = [
        "name",
        "runbook",
        "kind",
        "cron",
        "timezone",
        "interval_minutes",
        "enabled",
        "next_run_at",
        "last_run_at",
    ]
    list_filter = ["enabled", "kind", "dry_run"]
    search_fields = ["name", "runbook__name"]
    readonly_fields = ["next_run_at", "last_run_at", "created_by", "created_at", "updated_at"]
    inlines = [ScheduleRunInline]
    actions = ["pause", "resume"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class ScopedScheduleForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                try:  # a form error (what was typed is kept), not a failure in save_model
                    schedules.check_schedule_scope(Actor.of(user), data.get("target_ids"))
                except ValidationError as exc:
                    self.add_error("target_ids", exc.messages)
                return data

        return ScopedScheduleForm

    def save_model(self, request: HttpRequest, obj: RunbookSchedule, form: Any, change: bool) -> None:
        values = {field: form.cleaned_data[field] for field in schedules.EDITABLE if field in form.cleaned_data}
        if change:
            current = RunbookSchedule.objects.get(pk=obj.pk)
            schedules.update_schedule(current, actor=Actor.of(request.user), **values)
        else:
            form.instance = schedules.create_schedule(actor=Actor.of(request.user), **values)
            obj.pk = form.instance.pk

    def delete_model(self, request: HttpRequest, obj: RunbookSchedule) -> None:
        schedules.delete_schedule(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RunbookSchedule]) -> None:
        for schedule in queryset:
            schedules.delete_schedule(schedule, actor=Actor.of(request.user))

    @admin.action(description="Pause the selected schedules", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[RunbookSchedule]) -> None:
        for schedule in queryset:
            schedules.set_schedule_enabled(schedule, False, actor=Actor.of(request.user))

    @admin.action(description="Resume the selected schedules", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[RunbookSchedule]) -> None:
        for schedule in queryset:
            schedules.set_schedule_enabled(schedule, True, actor=Actor.of(request.user))
