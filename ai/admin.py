"""Admin of the ai app: providers (write-only key, health, test), sensitive labels, chats, investigations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ai.models import (
    ChatMessage,
    ChatProposal,
    ChatSession,
    CommandAllowRule,
    CommandRequest,
    Investigation,
    InvestigationEntry,
    Provider,
    RedactionPattern,
    SensitiveLabel,
)
from ai.services.command_policy import delete_policy_row, save_policy_row
from ai.services.providers import (
    REKEY_MESSAGE,
    UNSET,
    delete_provider,
    key_must_be_reentered,
    probe_provider,
    save_provider,
)
from remediation.actors import Actor
from remediation.admin.users import AuditedAdminMixin
from remediation.permissions import CHANGE_PROVIDER
from remediation.services.audit import record_event

EDITABLE_FIELDS = (
    "name",
    "model",
    "api_base",
    "timeout_seconds",
    "temperature",
    "max_tokens",
    "enabled",
    "is_default",
    "fallback",
)


class ProviderForm(forms.ModelForm):
    """The API key is write-only: the form never shows it; leave it empty to keep the stored one."""

    new_api_key = forms.CharField(
        label="API key", required=False, widget=forms.PasswordInput(render_value=False), strip=True
    )
    clear_api_key = forms.BooleanField(label="Clear the stored API key", required=False)

    class Meta:
        model = Provider
        fields = [*EDITABLE_FIELDS, "new_api_key", "clear_api_key"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stored = Provider.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        keeps_key = not data.get("new_api_key") and not data.get("clear_api_key")
        model, api_base = data.get("model", ""), data.get("api_base", "")
        if stored is not None and keeps_key and key_must_be_reentered(stored, model=model, api_base=api_base):
            self.add_error("new_api_key", REKEY_MESSAGE)
        return data


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = [
        "name",
        "model",
        "api_base",
        "enabled",
        "is_default",
        "fallback",
        "key_status",
        "health_status",
        "health_checked_at",
    ]
    list_filter = ["enabled", "is_default", "health_status"]
    # Health is written by the periodic check and by "test provider", never by hand.
    readonly_fields = ["health_status", "health_checked_at", "health_latency_ms", "health_error"]
    search_fields = ["name", "model"]
    actions = ["test_providers"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """As in the API: reading providers (their models and API bases) needs ai.change_provider."""
        return bool(request.user.has_perm(CHANGE_PROVIDER))

    @admin.display(description="API key")
    def key_status(self, obj: Provider) -> str:
        return obj.api_key_status

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["new_api_key"].help_text = f"Currently {obj.api_key_status}; leave empty to keep it."
        return form

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        # The form already applied its fields to `obj`; the service saves and audits them.
        data = {name: getattr(obj, name) for name in EDITABLE_FIELDS}
        key: Any = UNSET
        if form.cleaned_data.get("clear_api_key"):
            key = ""
        elif form.cleaned_data.get("new_api_key"):
            key = form.cleaned_data["new_api_key"]
        target = Provider.objects.get(pk=obj.pk) if change else Provider()
        saved = save_provider(target, data, actor=Actor.of(request.user), api_key=key)
        obj.pk = saved.pk

    def log_addition(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]  # no LogEntry: audited
        return None  # audited by the service

    def log_change(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]  # no LogEntry: audited
        return None

    def delete_model(self, request: HttpRequest, obj: Provider) -> None:
        delete_provider(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        for provider in queryset:
            delete_provider(provider, actor=Actor.of(request.user))

    @admin.action(description="Test provider (one tiny request)", permissions=["change"])
    def test_providers(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        for provider in queryset:
            result = probe_provider(provider, actor=Actor.of(request.user))
            if result.ok:
                self.message_user(request, f"{provider}: answered in {result.latency_ms} ms.", messages.SUCCESS)
            else:
                self.message_user(request, f"{provider}: {result.error}", messages.ERROR)


@admin.register(SensitiveLabel)
class SensitiveLabelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Label and annotation names whose values are replaced before any prompt leaves."""

    list_display = ["name", "note"]
    search_fields = ["name"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = ChatMessage
    fields = readonly_fields = ("role", "status", "content", "created_at")


class ProposalInline(ReadOnlyInline):
    model = ChatProposal
    fields = readonly_fields = ("runbook_name", "params", "targets", "status", "execution_id", "created_at")


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    """Read-only transcripts for admins; every opening of one is audited (chat.transcript_viewed)."""

    list_display = ["__str__", "user", "created_at", "updated_at"]
    search_fields = ["title", "user__username"]
    readonly_fields = ["user", "title", "provider", "created_at", "updated_at"]
    inlines = [MessageInline, ProposalInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        session = ChatSession.objects.filter(pk=object_id).first()
        if session is not None and self.has_view_permission(request, session):
            record_event(actor=Actor.of(request.user), action="chat.transcript_viewed", obj=session)
        return super().change_view(request, object_id, *args, **kwargs)


class PolicyRowAdmin(admin.ModelAdmin):
    """Investigation policy rows: every change goes through the audited service (investigation_policy.changed)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_policy_row(obj, actor=Actor.of(request.user))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_policy_row(obj, actor=Actor.of(request.user))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the audit
        return actions


@admin.register(CommandAllowRule)
class CommandAllowRuleAdmin(PolicyRowAdmin):
    """The read-only allow-list of investigation commands and the server tags each auto-runs on."""

    list_display = ["name", "program", "argument_prefix", "path_prefixes", "auto_approve_tags", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "program"]


@admin.register(RedactionPattern)
class RedactionPatternAdmin(PolicyRowAdmin):
    """Extra patterns masked in command output before it is stored or sent to a model."""

    list_display = ["name", "pattern", "enabled"]
    list_filter = ["enabled"]


class EntryInline(ReadOnlyInline):
    model = InvestigationEntry
    fields = readonly_fields = ("seq", "kind", "tool", "content", "arguments", "created_at")


class CommandInline(ReadOnlyInline):
    model = CommandRequest
    fields = readonly_fields = ("server_name", "command", "why", "status", "decided_by", "exit_code", "output", "error")


@admin.register(Investigation)
class InvestigationAdmin(admin.ModelAdmin):
    """Investigations, read-only (they are started, decided and stopped in the portal and the API)."""

    list_display = ["id", "goal", "status", "end_reason", "requested_by", "steps", "cost_usd", "created_at"]
    list_filter = ["status", "end_reason"]
    inlines = [CommandInline, EntryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
