"""Core models, one module per area; import them from here."""

from __future__ import annotations

from remediation.models.audit import AuditEvent, AuditEventQuerySet, AuditImmutableError, ProductPermission
from remediation.models.grants import TerminalGrant
from remediation.models.inventory import Credential, CredentialKind, Environment, Server
from remediation.models.notifications import NotificationChannel, NotificationDelivery
from remediation.models.preferences import UserPreference
from remediation.models.workers import WorkerHeartbeat

__all__ = [
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditImmutableError",
    "Credential",
    "CredentialKind",
    "Environment",
    "NotificationChannel",
    "NotificationDelivery",
    "ProductPermission",
    "Server",
    "TerminalGrant",
    "UserPreference",
    "WorkerHeartbeat",
]
