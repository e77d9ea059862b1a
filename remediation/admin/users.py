"""Users and groups in the admin, with every change audited (passwords never recorded)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from remediation.services.admin_changes import capture, record_admin_delete, record_admin_save

User = get_user_model()


class AuditedAdminMixin:
    """Audits admin saves (after related M2M are saved, so groups show) and deletes."""

    secret_fields: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        request._audit_captured = capture(obj, secret_fields=self.secret_fields)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        record_admin_save(request, form.instance, request._audit_captured, secret_fields=self.secret_fields)  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        captured, pk = capture(obj, secret_fields=self.secret_fields), obj.pk
        super().delete_model(request, obj)  # type: ignore[misc]
        record_admin_delete(request, obj, captured, pk)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    secret_fields = ("password",)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The password form saves outside save_model; audit it here (only that it changed)."""
        user = self.get_object(request, id)
        captured = capture(user, secret_fields=self.secret_fields) if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and captured is not None and request.method == "POST" and response.status_code == 302:
            record_admin_save(request, user, captured, secret_fields=self.secret_fields)
        return response


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    pass
