"""Admin of servers and credentials: secrets write-only, writes through the services, pin and test actions."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from remediation import ssh
from remediation.actors import Actor
from remediation.admin.widgets import ListField
from remediation.models import Credential, Server
from remediation.models.inventory import KIND_SECRETS, SECRET_FIELDS, SSH_KINDS
from remediation.permissions import PIN_HOST_KEY, TEST_SERVER
from remediation.services import credentials as credential_service
from remediation.services import inventory as inventory_service

PLAIN_FIELDS = ("name", "kind", "username", "description", "allowed_origins")


def kind_fields() -> dict[str, list[str]]:
    """Per kind, the inputs that apply to it: its secrets, and the allowed origins for the HTTP kinds."""
    shown: dict[str, list[str]] = {}
    for kind, (required, optional) in KIND_SECRETS.items():
        shown[str(kind)] = [*required, *optional, *([] if kind in SSH_KINDS else ["allowed_origins"])]
    return shown


class CredentialForm(forms.ModelForm):
    """Plain fields plus write-only secret inputs: blank keeps the stored value, 'clear' removes it. The page shows
    only the inputs of the chosen kind (static/js/admin-credential.js reads them from the kind select)."""

    allowed_origins = ListField(
        help_text="Origins HTTP steps may send it to, comma-separated, e.g. https://api.example.com."
    )

    password = forms.CharField(required=False, strip=False, widget=forms.PasswordInput(render_value=False))
    private_key = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6}))
    passphrase = forms.CharField(required=False, strip=False, widget=forms.PasswordInput(render_value=False))
    token = forms.CharField(required=False, strip=False, widget=forms.PasswordInput(render_value=False))
    clear = forms.MultipleChoiceField(
        required=False,
        choices=[(n, n) for n in SECRET_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Remove these stored secrets.",
    )

    class Meta:
        model = Credential
        fields = PLAIN_FIELDS

    class Media:
        js = ["js/admin-credential.js"]

    request: HttpRequest | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["data-kind-fields"] = json.dumps(kind_fields())

    def parts(self) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        data = self.cleaned_data
        secrets = {name: data[name] for name in SECRET_FIELDS if data.get(name)}
        return {name: data[name] for name in PLAIN_FIELDS if name in data}, secrets, list(data.get("clear") or [])

    def _post_clean(self) -> None:
        # The model's own clean() cannot see secrets typed into this form; the service validates everything.
        fields, secrets, clear = self.parts()
        try:
            credential_service.validate_credential(
                self.instance,
                actor=Actor.of(self.request.user if self.request else None),
                fields=fields,
                secrets=secrets,
                clear=clear,
            )
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]  # ModelForm API that _post_clean uses; not in the stubs


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    form = CredentialForm
    list_display = ["name", "kind", "username", "stored_secrets", "key_type", "key_fingerprint", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "username", "description", "key_fingerprint"]
    readonly_fields = ["stored_secrets", "key_type", "key_fingerprint", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": PLAIN_FIELDS}),
        ("Secrets (write-only)", {"fields": ["stored_secrets", *SECRET_FIELDS, "clear"]}),
        ("Key", {"fields": ["key_type", "key_fingerprint", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Stored secrets")
    def stored_secrets(self, obj: Credential) -> str:
        return ", ".join(f"{k}: {'set' if v else 'not set'}" for k, v in obj.secret_status().items())

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["fields"] = PLAIN_FIELDS  # the secret inputs are declared on the form, not model fields
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]  # the CredentialForm subclass declares it
        return form

    def save_model(self, request: HttpRequest, obj: Credential, form: Any, change: bool) -> None:
        fields, secrets, clear = form.parts()
        if change:
            saved = credential_service.update_credential(
                obj, actor=Actor.of(request.user), fields=fields, secrets=secrets, clear=clear
            )
        else:
            saved = credential_service.create_credential(actor=Actor.of(request.user), fields=fields, secrets=secrets)
        # The admin names the saved object in its message and links to it: `obj` must be the row the service wrote
        # (the form's own _post_clean never copied the typed fields onto it).
        for name in PLAIN_FIELDS:
            setattr(obj, name, getattr(saved, name))
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request: HttpRequest, obj: Credential) -> None:
        credential_service.delete_credential(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset:
            credential_service.delete_credential(credential, actor=Actor.of(request.user))


class ServerForm(forms.ModelForm):
    tags = ListField(help_text="Comma-separated, e.g. lab, disk. Grants and scopes can name a tag.")
    aliases = ListField(help_text="Other names alerts use for this host, comma-separated (compared lower-case).")
    known_hosts_line = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Paste a known_hosts / ssh-keyscan line to pin this server's host key.",
    )

    class Meta:
        model = Server
        fields = list(inventory_service.SERVER_FIELDS)

    def clean_known_hosts_line(self) -> str:
        """A line that cannot be parsed is a form error (what was typed stays in the form; nothing is saved)."""
        line = str(self.cleaned_data.get("known_hosts_line") or "").strip()
        if line:
            try:
                ssh.parse_known_hosts_line(line)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return line


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    form = ServerForm
    list_display = [
        "name",
        "hostname",
        "port",
        "username",
        "environment",
        "enabled",
        "host_key_fingerprint",
        "connection_status",
        "last_test_at",
    ]
    list_filter = ["environment", "enabled", "last_test_ok", "credential"]
    search_fields = ["name", "hostname", "aliases", "description", "username"]
    readonly_fields = [
        "host_key_type",
        "host_key_fingerprint",
        "host_key_pinned_at",
        "host_key_pinned_by",
        "last_test_at",
        "last_test_ok",
        "last_test_result",
        "created_at",
        "updated_at",
    ]
    actions = ["fetch_and_pin_host_key", "test_connection"]

    def save_model(self, request: HttpRequest, obj: Server, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in inventory_service.SERVER_FIELDS if name in form.cleaned_data}
        if change:
            saved = inventory_service.update_server(obj, actor=Actor.of(request.user), data=data)
        else:
            saved = inventory_service.create_server(actor=Actor.of(request.user), data=data)
        if form.cleaned_data.get("known_hosts_line"):
            try:
                saved = inventory_service.pin_host_key(
                    saved, actor=Actor.of(request.user), known_hosts_line=form.cleaned_data["known_hosts_line"]
                )
            except ValidationError as exc:
                messages.error(request, f"Host key not pinned: {' '.join(exc.messages)}")
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request: HttpRequest, obj: Server) -> None:
        inventory_service.delete_server(obj, actor=Actor.of(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Server]) -> None:
        for server in queryset:
            inventory_service.delete_server(server, actor=Actor.of(request.user))

    @admin.action(description="Fetch host key and pin it after confirming its fingerprint", permissions=["pin"])
    def fetch_and_pin_host_key(self, request: HttpRequest, queryset: QuerySet[Server]) -> TemplateResponse | None:
        """First the fingerprints each server presents now, to confirm; then pins each confirmed one, refetched and
        pinned only if it still matches what was shown."""
        actor = Actor.of(request.user)
        if request.POST.get("confirm") == "yes":
            for server in queryset:
                shown = request.POST.get(f"fingerprint-{server.pk}", "")
                if not shown:
                    messages.warning(request, f"{server.name}: not confirmed; nothing pinned.")
                    continue
                try:
                    pinned = inventory_service.pin_host_key(server, actor=actor, expected_fingerprint=shown)
                except inventory_service.InventoryError as exc:
                    messages.error(request, f"{server.name}: {exc}")
                    continue
                messages.success(request, f"{server.name}: pinned {pinned.host_key_type} {pinned.host_key_fingerprint}")
            return None
        rows = []
        for server in queryset:
            try:
                rows.append({"server": server, "key": inventory_service.fetch_host_key(server, actor=actor)})
            except inventory_service.InventoryError as exc:
                rows.append({"server": server, "error": str(exc)})
        context = {
            **self.admin_site.each_context(request),
            "title": "Confirm the host keys to pin",
            "rows": rows,
            "opts": self.model._meta,
            "action": "fetch_and_pin_host_key",
        }
        return TemplateResponse(request, "admin/remediation/server/pin_confirm.html", context)

    @admin.action(description="Test connection", permissions=["test"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Server]) -> None:
        for server in queryset:
            tested = inventory_service.run_connection_test(server, actor=Actor.of(request.user))
            summary = "; ".join(
                f"{s['stage']}: {'ok' if s['ok'] else 'FAILED'} ({s['detail']})" for s in tested.last_test_result
            )
            level = messages.SUCCESS if tested.last_test_ok else messages.ERROR
            messages.add_message(request, level, f"{server.name}: {summary}")

    def has_pin_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PIN_HOST_KEY)

    def has_test_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(TEST_SERVER)
