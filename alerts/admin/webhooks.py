"""Admin of webhook tokens: created with the token shown once, revoked; only their delivery limit is edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from alerts.models import WebhookToken
from alerts.services.webhook_tokens import (
    create_webhook_token,
    revoke_webhook_token,
    rotate_webhook_token,
    set_webhook_token_rate_limit,
    set_webhook_token_scope,
)
from remediation.actors import Actor

SCOPE = ("all_rules", "rules", "all_servers", "server_tags", "servers")


@admin.register(WebhookToken)
class WebhookTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "active", "rate_limit", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    actions = ["revoke", "rotate"]
    filter_horizontal = ["rules", "servers"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "rate_limit", *SCOPE)
        return ("name", "prefix", "rate_limit", "created_at", "created_by", "last_used_at", "revoked_at", *SCOPE)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """Only the delivery limit and the scope of an existing token can change (audited)."""
        editable = ("rate_limit", *SCOPE)
        return () if obj is None else tuple(f for f in self.get_fields(request, obj) if f not in editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row keeps its history (name, last use)

    def save_model(self, request: HttpRequest, obj: WebhookToken, form: Any, change: bool) -> None:
        scope = {name: form.cleaned_data[name] for name in SCOPE if name in form.cleaned_data}
        if change:
            stored = WebhookToken.objects.get(pk=obj.pk)
            if obj.rate_limit != stored.rate_limit:
                set_webhook_token_rate_limit(stored, obj.rate_limit, actor=Actor.of(request.user))
            set_webhook_token_scope(stored, scope, actor=Actor.of(request.user))
            return
        token, raw = create_webhook_token(obj.name, actor=Actor.of(request.user), scope=scope)
        if obj.rate_limit:
            set_webhook_token_rate_limit(token, obj.rate_limit, actor=Actor.of(request.user))
        obj.pk, obj.token_hash, obj.prefix, obj.created_at = token.pk, token.token_hash, token.prefix, token.created_at
        request._webhook_token_raw = raw  # type: ignore[attr-defined]  # rendered once by response_add, never stored

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service already stored the rules and servers (and audited them)."""

    def response_add(
        self, request: HttpRequest, obj: WebhookToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._show_once(request, obj, request._webhook_token_raw)  # type: ignore[attr-defined]

    @admin.action(description="Rotate the secret (same source, scope and episodes)", permissions=["change"])
    def rotate(self, request: HttpRequest, queryset: QuerySet[WebhookToken]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Rotate one token at a time (its new secret is shown once).", messages.ERROR)
            return None
        token, raw = rotate_webhook_token(queryset.get(), actor=Actor.of(request.user))
        return self._show_once(request, token, raw)

    def _show_once(self, request: HttpRequest, obj: WebhookToken, raw: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Webhook token created",
            "opts": self.model._meta,
            "token": obj,
            "raw": raw,
        }
        response = TemplateResponse(request, "admin/alerts/webhooktoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[WebhookToken]) -> None:
        for token in queryset:
            revoke_webhook_token(token, actor=Actor.of(request.user))
        self.message_user(request, f"Revoked {queryset.count()} token(s).")
