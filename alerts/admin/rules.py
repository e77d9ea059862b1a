"""Admin of rules (inline matchers, simulate, replay) and decisions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from alerts.models import Decision, Rule, RuleMatcher
from alerts.services import remediate
from alerts.services.decisions import simulate_alert
from alerts.services.rules import delete_rule, record_rule_saved, replay_rule, rule_snapshot
from remediation.actors import Actor
from remediation.templatetags.portal_numbers import percent


class RuleMatcherInline(admin.TabularInline):
    model = RuleMatcher
    extra = 1
    fields = ["target", "name", "op", "value"]


def _pairs(text: str) -> dict[str, str]:
    """Labels typed as JSON or as key=value lines."""
    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        return {str(k): str(v) for k, v in data.items()}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip().strip('"') for k, v in pairs}


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "enabled",
        "status_filter",
        "action",
        "mode",
        "runbook",
        "breaker",
        "success_rate",
        "resolved_in_window",
        "median_resolve",
        "updated_at",
    ]
    list_filter = ["enabled", "action", "status_filter", "mode"]
    list_select_related = ["runbook"]
    filter_horizontal = ["target_servers", "scope_servers", "notification_channels"]
    readonly_fields = ["breaker_reset_at"]
    search_fields = ["name", "description", "matchers__name", "matchers__value"]
    ordering = ["priority", "id"]
    inlines = [RuleMatcherInline]
    actions = ["replay_last_7_days", "reset_breakers"]
    exclude = ["created_by"]
    change_list_template = "admin/alerts/rule/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._stats = remediate.all_rule_stats()  # one query for every row's columns
        return super().changelist_view(request, extra_context)

    def _stat(self, rule: Rule, key: str, *, raw: bool = False) -> Any:
        value = getattr(self, "_stats", {}).get(rule.pk, {}).get(key)
        return value if raw or value is not None else "—"

    @admin.display(description="breaker")
    def breaker(self, rule: Rule) -> str:
        return str(remediate.breaker_of(rule)["state"]) if rule.action == "remediate" else "—"

    @admin.display(description="success rate")
    def success_rate(self, rule: Rule) -> Any:
        return percent(self._stat(rule, "success_rate", raw=True)) or "—"

    @admin.display(description="resolved in window")
    def resolved_in_window(self, rule: Rule) -> Any:
        return percent(self._stat(rule, "resolved_within_window_rate", raw=True)) or "—"

    @admin.display(description="median time to resolve (s)")
    def median_resolve(self, rule: Rule) -> Any:
        return self._stat(rule, "median_time_to_resolve_seconds")

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        request._rule_before = rule_snapshot(Rule.objects.get(pk=obj.pk)) if change else None  # type: ignore[attr-defined]
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        record_rule_saved(form.instance, request._rule_before, actor=Actor.of(request.user))  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        delete_rule(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        for rule in queryset:
            delete_rule(rule, actor=Actor.of(request.user))

    @admin.action(description="Reset the circuit breaker (forget earlier failures)", permissions=["change"])
    def reset_breakers(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        for rule in queryset:
            remediate.reset_breaker(rule, actor=Actor.of(request.user), reason="reset from the admin")
        self.message_user(request, f"Reset {queryset.count()} breaker(s); audited as rule.breaker_reset.")

    @admin.action(description="Replay over the alerts of the last 7 days", permissions=["view"])
    def replay_last_7_days(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        for rule in queryset:
            counts = replay_rule(rule, days=7)
            summary = ", ".join(
                f"{k}: {v}" for k, v in counts.items() if isinstance(v, int) and k not in ("rule", "days")
            )
            self.message_user(request, f"Replay of {rule.name!r} over 7 days: {summary}", messages.INFO)

    def get_urls(self) -> list[Any]:
        custom = [path("simulate/", self.admin_site.admin_view(self.simulate_view), name="alerts_rule_simulate")]
        return custom + super().get_urls()

    def simulate_view(self, request: HttpRequest) -> HttpResponse:
        """Which rule an alert with the given labels would hit, and why."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Simulate an alert", "opts": self.model._meta}
        context.update(labels=request.POST.get("labels", ""), status=request.POST.get("status", "firing"))
        if request.method == "POST":
            try:
                labels = _pairs(context["labels"])
                annotations = _pairs(request.POST.get("annotations", ""))
                context["result"] = simulate_alert(labels, annotations, context["status"])
            except (ValueError, AttributeError) as exc:
                context["error"] = f"Labels must be key=value lines or a JSON object: {exc}"
        return TemplateResponse(request, "admin/alerts/rule/simulate.html", context)


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "alert", "status", "rule_name", "action", "outcome"]
    list_filter = ["outcome", "action", "status"]
    search_fields = ["rule_name"]
    readonly_fields = [f.name for f in Decision._meta.fields]
    list_select_related = ["alert"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
