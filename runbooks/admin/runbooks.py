"""Runbook authoring in the admin: parameter rows, steps by kind, YAML import and export, plan and its preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from remediation.actors import Actor
from remediation.admin.widgets import Column, ListField, RowsField
from remediation.permissions import AUTHOR_RUNBOOK
from runbooks.models import Runbook, Step
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
from runbooks.services.scope import PLAN_PERM, OutOfScope
from runbooks.services.yaml_io import export_yaml, import_yaml
from runbooks.targets import target_choices
from runbooks.views.definitions import parse_inputs

PARAMETER_COLUMNS = (
    Column("name", "Name"),
    Column("default", "Default"),
    Column("required", "Required", "checkbox"),
    Column("pattern", "Pattern (regex)"),
    Column("description", "Description"),
)


class ParameterRowsField(RowsField):
    """Declared parameters as rows; empty optional cells are left out, so the stored declaration stays minimal."""

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        shaped: dict[str, Any] = {"name": str(row.get("name", "")).strip()}
        for key in ("default", "pattern", "description"):
            if str(row.get(key, "")).strip():
                shaped[key] = row[key]
        if row.get("required"):
            shaped["required"] = True
        return shaped


class RunbookForm(forms.ModelForm):
    parameters = ParameterRowsField(
        PARAMETER_COLUMNS, help_text="What a run is given ({{ params.name }} in steps); blank rows are ignored."
    )
    tags = ListField(help_text="Comma-separated, e.g. disk, linux.")
    allowed_policy_rules = ListField(help_text="Command policy rules this runbook may override, comma-separated.")

    class Meta:
        model = Runbook
        exclude: list[str] = []

    class Media:
        js = ["js/admin-runbook.js"]
        css = {"all": ["css/admin-extra.css"]}


class StepFormSet(forms.BaseInlineFormSet):
    """Numbers new steps after the others and validates the whole definition with the service the API uses."""

    def clean(self) -> None:
        super().clean()
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if any(f.errors for f in self.forms):
            return  # each step's own field errors say it; the whole-definition check would only repeat them
        # A step added without a position goes after the others, in the order it was added on the page.
        highest = max((f.cleaned_data.get("position") or 0 for f in live), default=0)
        for form in live:
            if not form.cleaned_data.get("position"):
                highest += 1
                form.cleaned_data["position"] = form.instance.position = highest
        steps = [
            {f: form.cleaned_data.get(f) for f in STEP_FIELDS if f in form.cleaned_data}
            for form in sorted(live, key=lambda f: f.cleaned_data.get("position") or 0)
        ]
        try:
            build({"name": "__admin_check__", "parameters": self.instance.parameters, "steps": steps})
        except DefinitionError as exc:
            raise forms.ValidationError([f"{k}: {' '.join(v)}" for k, v in exc.errors.items()]) from exc


class StepInline(admin.StackedInline):
    """Each step shows the fields of its kind (static/js/admin-runbook.js) and folds to its header."""

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

    form = RunbookForm
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

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "import-yaml/", self.admin_site.admin_view(self.import_yaml_view), name="runbooks_runbook_import_yaml"
            ),
            path("<int:pk>/yaml/", self.admin_site.admin_view(self.export_yaml_view), name="runbooks_runbook_yaml"),
            path(
                "<int:pk>/plan-preview/", self.admin_site.admin_view(self.plan_preview), name="runbooks_runbook_preview"
            ),
        ]
        return own + super().get_urls()

    def import_yaml_view(self, request: HttpRequest) -> HttpResponse:
        """Paste or upload a runbooks YAML document; all or nothing, errors shown with the text kept."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        text, errors = "", {}
        if request.method == "POST":
            upload = request.FILES.get("file")
            text = upload.read().decode("utf-8", errors="replace") if upload else request.POST.get("yaml", "")
            try:
                imported = import_yaml(text, actor=Actor.of(request.user))
            except DefinitionError as exc:
                errors = exc.errors
            else:
                names = ", ".join(r.name for r in imported) or "nothing"
                messages.success(request, f"Imported {names}.")
                return redirect("admin:runbooks_runbook_changelist")
        context = {**self.admin_site.each_context(request), "title": "Import runbooks from YAML", "yaml": text}
        context.update(errors=errors, opts=self.model._meta)
        return TemplateResponse(
            request, "admin/runbooks/runbook/import_yaml.html", context, status=400 if errors else 200
        )

    def export_yaml_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        runbook = get_object_or_404(Runbook, pk=pk)
        if not self.has_view_permission(request, runbook):
            raise PermissionDenied
        response = HttpResponse(export_yaml([runbook]), content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{runbook.name}.yaml"'
        return response

    def plan_preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The saved version's plan for a chosen server and parameters (HTML for the change page; contacts nothing)."""
        runbook = get_object_or_404(Runbook, pk=pk)
        if not self.has_view_permission(request, runbook):
            raise PermissionDenied
        inputs = parse_inputs(request.GET)
        plan, errors = None, list(inputs.errors)
        if not runbook.versions.exists():
            errors.append("Save the runbook first: the preview plans the saved version.")
        elif not errors:
            try:
                plan = plan_runbook(
                    runbook, params=inputs.params, target_ids=inputs.targets, actor=Actor.of(request.user)
                )
            except OutOfScope as exc:
                errors.append(str(exc))
        context = {"plan": plan, "errors": errors, "runbook": runbook}
        return TemplateResponse(request, "admin/runbooks/runbook/plan_preview.html", context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        # Only the servers this person may plan on: the preview would refuse any other.
        servers = target_choices(request.user, perm=PLAN_PERM)
        extra = {**(extra_context or {}), "preview_servers": servers}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description="Plan (render every step; contacts nothing)", permissions=["view"])
    def plan(self, request: HttpRequest, queryset: QuerySet[Runbook]) -> HttpResponse:
        actor = Actor.of(request.user)
        plans = [(runbook, plan_runbook(runbook, actor=actor)) for runbook in queryset if runbook.versions.exists()]
        context = {**self.admin_site.each_context(request), "plans": plans, "title": "Runbook plans"}
        return TemplateResponse(request, "admin/runbooks/plan.html", context)
