"""Admin of the runbooks app: runbooks with inline steps and a plan action, the command policy, executions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from remediation.actors import Actor
from remediation.permissions import AUTHOR_RUNBOOK
from remediation.redaction import mask_data
from runbooks.models import CommandPolicyRule, Execution, Runbook, RunbookSchedule, ScheduleRun, Step, StepRun
from runbooks.policy import delete_policy_rule, save_policy_rule
from runbooks.services import schedules
from runbooks.services.definitions import (
    STEP_FIELDS,
    DefinitionError,
    build,
    commit_version,
    definition_of,
    template_problems,
    unsafe_runbooks,
    with_latest_definition,
)
from runbooks.services.plan import plan_runbook


class StepFormSet(forms.BaseInlineFormSet):
    """Validates the whole definition with the same service the API and YAML import use."""

    def clean(self) -> None:
        super().clean()
        steps = [
            {f: form.cleaned_data.get(f) for f in STEP_FIELDS if f in form.cleaned_data}
            for form in sorted(self.forms, key=lambda f: f.cleaned_data.get("position") or 0)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            build({"name": "__admin_check__", "parameters": self.instance.parameters, "steps": steps})
        except DefinitionError as exc:
            raise forms.ValidationError([f"{k}: {' '.join(v)}" for k, v in exc.errors.items()]) from exc


class StepInline(admin.StackedInline):
    model = Step
    formset = StepFormSet
    extra = 0
    fields = [
        ("position", "name", "kind", "on_failure"),
        "command",
        "rollback_command",
        ("method", "url", "credential", "tls_verify", "once"),
        ("headers", "body"),
        ("expected_exit_codes", "expected_statuses", "output_pattern", "capture_as"),
        "condition",
        ("timeout_seconds", "retries", "retry_backoff_seconds", "retry_on_failure"),
    ]


class UnsafeTemplatesFilter(admin.SimpleListFilter):
    """Runbooks whose current version has placements the templating rules refuse (e.g. saved before them)."""

    title = "templates"
    parameter_name = "templates"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("refused", "refused (cannot run)"), ("ok", "ok")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Runbook]) -> QuerySet[Runbook]:
        if self.value() not in {"refused", "ok"}:
            return queryset
        refused = {runbook.pk for runbook, _ in unsafe_runbooks()}
        return queryset.filter(pk__in=refused) if self.value() == "refused" else queryset.exclude(pk__in=refused)


@admin.register(Runbook)
class RunbookAdmin(admin.ModelAdmin):
    """Saving here freezes a new version and audits the change, exactly like the API."""

    list_display = ["name", "enabled", "version", "requires_approval", "templates", "updated_at"]
    list_filter = ["enabled", "requires_approval", UnsafeTemplatesFilter]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "refused_placements", "created_by", "created_at", "updated_at"]
    inlines = [StepInline]
    actions = ["plan"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Runbook]:
        return with_latest_definition(super().get_queryset(request))

    @admin.display(description="templates")
    def templates(self, runbook: Runbook) -> str:
        count = len(template_problems(runbook))
        return format_html('<strong class="errornote">{} refused — cannot run</strong>', count) if count else "ok"

    @admin.display(description="refused placements")
    def refused_placements(self, runbook: Runbook) -> str:
        """Each placement the templating rules refuse in the current version, with its safe form."""
        findings = template_problems(runbook) if runbook.pk else []
        if not findings:
            return "none"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(f),) for f in findings)))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(AUTHOR_RUNBOOK) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(AUTHOR_RUNBOOK) and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Runbook, form: Any, change: bool) -> None:
        self._before = definition_of(Runbook.objects.get(pk=obj.pk)) if change else None
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        commit_version(form.instance, self._before, actor=Actor.of(request.user))

    @admin.action(description="Plan (render every step; contacts nothing)", permissions=["view"])
    def plan(self, request: HttpRequest, queryset: QuerySet[Runbook]) -> HttpResponse:
        actor = Actor.of(request.user)
        plans = [(runbook, plan_runbook(runbook, actor=actor)) for runbook in queryset if runbook.versions.exists()]
        context = {**self.admin_site.each_context(request), "plans": plans, "title": "Runbook plans"}
        return TemplateResponse(request, "admin/runbooks/plan.html", context)


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
