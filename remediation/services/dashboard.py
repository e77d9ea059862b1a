"""The portal dashboard: counts, the getting-started checklist and the sections higher apps register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from remediation import hooks
from remediation.actors import Actor, may
from remediation.models import AuditEvent
from remediation.permissions import ADD_SERVER
from remediation.services.heartbeat import liveness

# (label, model label, filter) — looked up by name so the core never imports a feature app.
FEATURE_COUNTS: list[tuple[str, str, dict[str, object]]] = [
    ("Firing alerts", "alerts.Alert", {"status": "firing"}),
    ("Executions in flight", "runbooks.Execution", {"status__in": ["pending", "running"]}),
    ("Approvals waiting", "runbooks.Execution", {"status": "awaiting_approval"}),
]


@dataclass(frozen=True)
class Step:
    """One getting-started step: done once a row of `model` exists (matching `filters`); `url` is where to do it."""

    label: str
    model: str
    url_name: str
    hint: str
    filters: tuple[tuple[str, object], ...] = ()


GETTING_STARTED = (
    Step("Add a server", "remediation.Server", "admin:remediation_server_add", "the host a runbook may act on"),
    Step("Add a credential", "remediation.Credential", "admin:remediation_credential_add", "an SSH key or token"),
    Step("Create a webhook token", "alerts.WebhookToken", "admin:alerts_webhooktoken_add", "for Alertmanager"),
    Step("Write a rule", "alerts.Rule", "admin:alerts_rule_add", "which alerts to analyse or remediate"),
    Step("Write a runbook", "runbooks.Runbook", "admin:runbooks_runbook_add", "ordered SSH and HTTP steps"),
    Step(
        "Receive a test alert",
        "alerts.Alert",
        "alerts:list",
        "manage.py send_test_alert, or point Alertmanager at /hooks/alertmanager/",
    ),
)


def dashboard_counts() -> list[dict[str, object]]:
    """Label/value pairs; a feature not installed yet is simply absent."""
    since = timezone.now() - dt.timedelta(hours=24)
    counts: list[dict[str, object]] = []
    for label, model_label, filters in FEATURE_COUNTS:
        try:
            model = apps.get_model(model_label)
        except LookupError:
            continue
        counts.append({"label": label, "value": model.objects.filter(**filters).count()})
    counts.append({"label": "Audit events (24 h)", "value": AuditEvent.objects.filter(created_at__gte=since).count()})
    counts.append({"label": "Active users", "value": get_user_model().objects.filter(is_active=True).count()})
    workers = liveness()
    counts.append({"label": "Workers seen", "value": workers["workers_seen"]})
    oldest = workers["oldest_queued_task_seconds"]
    counts.append({"label": "Oldest queued task", "value": "none" if oldest is None else f"{oldest:.0f} s"})
    return counts


def getting_started() -> list[dict[str, object]]:
    """The first-hour checklist: each step ticks itself once what it creates exists."""
    steps: list[dict[str, object]] = []
    for step in GETTING_STARTED:
        try:
            model = apps.get_model(step.model)
            url = reverse(step.url_name)
        except (LookupError, NoReverseMatch):
            continue
        done = model.objects.filter(**dict(step.filters)).exists()
        steps.append({"label": step.label, "hint": step.hint, "url": url, "done": done})
    return steps


def dashboard_sections(*, actor: Actor, days: int) -> dict[str, Any]:
    """Every registered section this actor may see, by name (a section answers None to one it hides from)."""
    found: dict[str, Any] = {}
    for name, path in hooks.dashboard_sections().items():
        section = import_string(path)(actor=actor, days=days)
        if section is not None:
            found[name] = section
    return found


def dashboard(*, actor: Actor, days: int) -> dict[str, Any]:
    """What the dashboard page shows and its JSON serves (raises ValueError from a section on a bad window)."""
    # The checklist is the setting-up admin's: its steps are admin pages the other roles cannot use.
    steps = getting_started() if may(actor, ADD_SERVER) else []
    return {
        "counts": dashboard_counts(),
        "getting_started": steps,
        "setup_complete": all(step["done"] for step in steps),
        "sections": dashboard_sections(actor=actor, days=days),
    }
