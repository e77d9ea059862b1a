"""Role definitions (Viewer, Operator, Approver, Admin) and the one function that seeds them as groups."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps

from remediation.choices import Role
from remediation.permissions import (
    ACKNOWLEDGE_ALERT,
    ANALYZE_ALERT,
    APPROVE_EXECUTION,
    EXECUTE_RUNBOOK,
    OPEN_TERMINAL,
    USE_CHAT,
    VIEW_AUDITEVENT,
    VIEW_CHATMESSAGE,
    VIEW_CHATSESSION,
    VIEW_CREDENTIAL,
    VIEW_TERMINALSESSION,
)

# The apps whose permissions the roles are built from. django-q2's own models are deliberately not among them: a
# django-q2 schedule or a resubmitted task runs any importable callable on the worker, so only superusers reach them
# (remediation/admin/queue.py); runbooks are scheduled through runbooks.RunbookSchedule.
PRODUCT_APPS = ("remediation", "alerts", "runbooks", "ai", "terminal")
# Apps whose permissions no group may hold (migration 0009 took them away from groups seeded before).
NEVER_GRANTED_APPS = ("django_q",)

# Permissions read-only roles never get even as view_* (secrets or other users' transcripts).
VIEWER_EXCLUDED = {
    VIEW_AUDITEVENT,
    VIEW_CREDENTIAL,
    VIEW_CHATSESSION,
    VIEW_CHATMESSAGE,
    VIEW_TERMINALSESSION,
}

OPERATOR_EXTRA = {
    EXECUTE_RUNBOOK,
    OPEN_TERMINAL,
    ANALYZE_ALERT,
    USE_CHAT,
    ACKNOWLEDGE_ALERT,
}
APPROVER_EXTRA = {APPROVE_EXECUTION, VIEW_AUDITEVENT}


def role_permission_names(role: str, available: set[str]) -> set[str]:
    """Return the `app_label.codename` permissions a role holds, out of those that exist."""
    product = {p for p in available if p.split(".", 1)[0] in PRODUCT_APPS}
    viewer = {p for p in product if p.split(".", 1)[1].startswith("view_")} - VIEWER_EXCLUDED
    if role == Role.VIEWER:
        return viewer
    if role == Role.OPERATOR:
        return viewer | (OPERATOR_EXTRA & available)
    if role == Role.APPROVER:
        return viewer | (APPROVER_EXTRA & available)
    if role == Role.ADMIN:
        auth = {p for p in available if p.split(".", 1)[0] == "auth"}
        return product | auth
    raise ValueError(f"Unknown role {role!r}")


def sync_roles(apps: Apps | None = None) -> None:
    """Create the four role groups and add every permission they should hold (never removes any)."""
    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in Permission.objects.select_related("content_type")}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = role_permission_names(role.value, set(by_name))
        group.permissions.add(*(by_name[name] for name in sorted(wanted)))


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate hook: permissions are created per app, so re-sync once the core app is done."""
    if getattr(sender, "name", "") != "terminal":
        return
    sync_roles(kwargs.get("apps"))
