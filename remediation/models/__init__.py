"""Core models, one module per area; import them from here."""

from __future__ import annotations

from remediation.models.audit import AuditEvent, AuditEventQuerySet, AuditImmutableError, ProductPermission

__all__ = ["AuditEvent", "AuditEventQuerySet", "AuditImmutableError", "ProductPermission"]
