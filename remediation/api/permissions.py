"""Permission classes that map API methods onto the same Django permissions the portal and admin use."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class HasPerm(BasePermission):
    """Allow when the user holds `read_perm` (safe methods) or `write_perm` (others); set on the view."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = getattr(view, "read_perm" if request.method in SAFE_METHODS else "write_perm", None)
        return bool(needed and user.has_perm(needed))


MODEL_PERMS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change", "PATCH": "change"}


class ModelPerms(BasePermission):
    """Django model permissions by method: view_/add_/change_/delete_ of `view.perm_model` ("app_label.model")."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        app_label, model = view.perm_model.split(".")
        verb = MODEL_PERMS.get(request.method or "", "delete")
        return bool(user.has_perm(f"{app_label}.{verb}_{model}"))
