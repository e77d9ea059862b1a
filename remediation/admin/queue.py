"""django-q2's own admin (tasks, failures, schedules, queue), for superusers only and read-only, with no actions.

A django-q2 schedule names any importable callable and a resubmitted task replays one, both on the worker: that is
running arbitrary code there (with CRYPTOGRAPHY_KEY in reach). Runbooks are scheduled through
runbooks.RunbookSchedule, whose task is fixed; this admin only shows what the queue did.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success


class SuperuserReadOnlyMixin:
    """Visible to superusers only; nobody adds, edits or resubmits here (a superuser may delete a stuck row)."""

    actions = None

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


class TaskAdmin(SuperuserReadOnlyMixin, q_admin.TaskAdmin):
    pass


class FailAdmin(SuperuserReadOnlyMixin, q_admin.FailAdmin):
    pass


class ScheduleAdmin(SuperuserReadOnlyMixin, q_admin.ScheduleAdmin):
    pass


class QueueAdmin(SuperuserReadOnlyMixin, q_admin.QueueAdmin):
    pass


for model, model_admin in ((Success, TaskAdmin), (Failure, FailAdmin), (Schedule, ScheduleAdmin), (OrmQ, QueueAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
