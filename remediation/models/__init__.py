"""Core models, one module per area; import them from here."""

from __future__ import annotations

from remediation.models.audit import AuditEvent, AuditEventQuerySet, AuditImmutableError, ProductPermission
from remediation.models.decisions import ActionRequest, Decision, Suggestion
from remediation.models.grants import TerminalGrant
from remediation.models.inventory import Credential, CredentialKind, Environment, Server
from remediation.models.maintenance import KillSwitch, MaintenanceWindow
from remediation.models.rules import Rule, RuleMatcher
from remediation.models.webhooks import WebhookToken, hash_token
from remediation.models.workers import WorkerHeartbeat

__all__ = [
    "ActionRequest",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditImmutableError",
    "Credential",
    "CredentialKind",
    "Decision",
    "Environment",
    "KillSwitch",
    "MaintenanceWindow",
    "ProductPermission",
    "Rule",
    "RuleMatcher",
    "Server",
    "Suggestion",
    "TerminalGrant",
    "WebhookToken",
    "WorkerHeartbeat",
    "hash_token",
]
