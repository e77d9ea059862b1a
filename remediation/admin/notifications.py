"""Admin of notification channels (secret write-only, writes through the audited service) and the delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from remediation.actors import Actor
from remediation.admin.readonly import ReadOnlyAdminMixin
from remediation.choices import NotificationEvent
from remediation.models import NotificationChannel, NotificationDelivery
from remediation.notifications import channels as channel_service

PLAIN_FIELDS = channel_service.CHANNEL_FIELDS


class NotificationChannelForm(forms.ModelForm):
    """Plain fields plus a write-only secret input: blank keeps the stored secret, 'clear' removes it."""

    secret_value = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Slack/Teams: the secret webhook URL; webhook: the HMAC secret. Never shown back; blank keeps it.",
    )
    url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="HTTP kinds: the receiver's URL without its secret token (the token goes in the secret).",
    )
    clear_secret = forms.BooleanField(required=False, help_text="Remove the stored secret.")
    events = forms.MultipleChoiceField(
        required=False,
        choices=NotificationEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event kind.",
    )

    class Meta:
        model = NotificationChannel
        fields = PLAIN_FIELDS

    def parts(self) -> tuple[dict[str, Any], str | None, bool]:
        data = self.cleaned_data
        fields = {name: data[name] for name in PLAIN_FIELDS if name in data}
        return fields, data.get("secret_value") or None, bool(data.get("clear_secret"))

    def _post_clean(self) -> None:
        # The model's clean() cannot see the secret typed here; the service validates the whole change.
        fields, secret, clear = self.parts()
        try:
            channel_service.validate_channel(self.instance, fields=fields, secret=secret, clear_secret=clear)
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]  # ModelForm API that _post_clean uses; not in the stubs


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    form = NotificationChannelForm
    list_display = ["name", "kind", "enabled", "is_default", "severity_floor", "secret_stored", "updated_at"]
    list_filter = ["kind", "enabled", "is_default"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_stored", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": PLAIN_FIELDS}),
        ("Secret (write-only)", {"fields": ["secret_stored", "secret_value", "clear_secret"]}),
        ("Times", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Secret stored", boolean=True)
    def secret_stored(self, obj: NotificationChannel) -> bool:
        return obj.has_secret

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["fields"] = PLAIN_FIELDS  # the secret input is declared on the form, not a model field
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: NotificationChannel, form: Any, change: bool) -> None:
        fields, secret, clear = form.parts()
        if change:
            saved = channel_service.update_channel(
                obj, actor=Actor.of(request.user), fields=fields, secret=secret, clear_secret=clear
            )
        else:
            saved = channel_service.create_channel(actor=Actor.of(request.user), fields=fields, secret=secret)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: NotificationChannel) -> None:
        channel_service.delete_channel(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[NotificationChannel]) -> None:
        for channel in queryset:
            channel_service.delete_channel(channel, actor=Actor.of(request.user))


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event", "channel", "status", "attempts", "dedup_key", "created_at", "sent_at"]
    list_filter = ["status", "event", "channel"]
    search_fields = ["dedup_key", "last_error"]
    list_select_related = ["channel"]
