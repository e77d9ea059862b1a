"""Users and groups in the admin, with every change audited (passwords never recorded)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from remediation.actors import Actor
from remediation.roles import NEVER_GRANTED_APPS
from remediation.services.access import access_changed
from remediation.services.admin_changes import capture, record_admin_delete, record_admin_save
from remediation.services.tokens import revoke_user_tokens

User = get_user_model()


class AuditedAdminMixin:
    """Audits admin saves (after related M2M are saved, so groups show) and deletes.

    Admins of objects that decide access (users, roles, terminal grants) name the users concerned in
    `access_holders`; after commit their live connections re-check their access (a revoked grant ends a terminal).
    """

    secret_fields: tuple[str, ...] = ()

    def access_holders(self, obj: Any) -> set[int]:
        """Users whose access this object decides."""
        return set()

    def _holders_before(self, obj: Any) -> set[int]:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
        return self.access_holders(stored) if stored is not None else set()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        request._audit_captured = capture(obj, secret_fields=self.secret_fields)  # type: ignore[attr-defined]
        request._access_holders = self._holders_before(obj)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        captured = request._audit_captured  # type: ignore[attr-defined]
        record_admin_save(form.instance, captured, actor=Actor.of(request.user), secret_fields=self.secret_fields)
        holders = request._access_holders | self.access_holders(form.instance)  # type: ignore[attr-defined]
        access_changed(holders, cause=f"{form.instance._meta.label_lower}.saved")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        captured, pk, holders = capture(obj, secret_fields=self.secret_fields), obj.pk, self.access_holders(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        record_admin_delete(obj, captured, pk, actor=Actor.of(request.user))
        access_changed(holders, cause=f"{obj._meta.label_lower}.deleted")

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
            record_admin_save(user, captured, actor=Actor.of(request.user), secret_fields=self.secret_fields)
            revoke_user_tokens(user, actor=Actor.of(request.user), reason="password changed")
            access_changed([user.pk], cause="auth.user.password_changed")
        return response

    def access_holders(self, obj: Any) -> set[int]:
        return {obj.pk}

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        stored = request._audit_captured.data or {}  # type: ignore[attr-defined]
        was_active = stored.get("is_active", False)
        super().save_related(request, form, formsets, change)
        if was_active and not form.instance.is_active:
            revoke_user_tokens(form.instance, actor=Actor.of(request.user), reason="deactivated")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Below superuser nobody makes a superuser or hands out single permissions (roles are the groups)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, "is_superuser", "user_permissions")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A superuser's account (password included) is changed only by a superuser."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return bool(super().has_delete_permission(request, obj))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """The bulk action asks about the model, not each row: a superuser in the selection refuses it all."""
        if not request.user.is_superuser and queryset.filter(is_superuser=True).exists():
            raise PermissionDenied("Only a superuser deletes a superuser.")
        super().delete_queryset(request, queryset)


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Permissions no group may hold (the task queue's: they run any callable) are not offered."""
        if db_field.name == "permissions":
            kwargs["queryset"] = Permission.objects.exclude(content_type__app_label__in=NEVER_GRANTED_APPS)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def access_holders(self, obj: Any) -> set[int]:
        """A role's members (its permissions are theirs)."""
        return set(obj.user_set.values_list("pk", flat=True))
