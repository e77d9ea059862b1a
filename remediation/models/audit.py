"""The append-only audit log and the product-wide permissions."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditImmutableError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("Audit events are append-only; they cannot be updated.")

    def delete(self) -> NoReturn:
        raise AuditImmutableError("Audit events are append-only; they cannot be deleted.")

    def _raw_delete(self, using: Any) -> NoReturn:
        raise AuditImmutableError("Audit events are append-only; they cannot be deleted.")


class AuditEvent(models.Model):
    """One thing that happened, who did it and what changed; written once, never changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting a user must never touch (or be blocked by) the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, help_text="Username, or a system actor such as 'system'.")
    action = models.CharField(max_length=100, db_index=True, help_text="<noun>.<verb>, e.g. rule.updated")
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "Can export audit events as CSV")]
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("Audit events are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutableError("Audit events are append-only; they cannot be deleted.")


class ProductPermission(models.Model):
    """Holder of product-wide permissions that belong to no single model (no table is created)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("execute_runbook", "Can request runbook executions"),
            ("run_on_any_server", "Can run and approve runbooks on any server without a grant"),
            ("author_runbook", "Can write runbooks (remote code execution on servers)"),
            ("approve_execution", "Can approve or reject execution requests"),
            ("cancel_execution", "Can cancel running executions"),
            ("override_maintenance", "Can run during a maintenance window (with a reason)"),
            ("manage_kill_switch", "Can pause and resume all automatic executions"),
            ("open_terminal", "Can open a web SSH terminal (a shell on servers)"),
            ("analyze_alert", "Can request AI analysis of alerts"),
            ("use_chat", "Can chat with the AI assistant"),
            ("acknowledge_alert", "Can acknowledge alerts"),
        ]

    def __str__(self) -> str:
        return "product permission"
