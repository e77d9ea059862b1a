"""Counts for the portal dashboard, from whichever feature models are installed."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from remediation.models import AuditEvent
from remediation.services.heartbeat import liveness

# (label, model label, filter) — looked up by name so the core never imports a feature app.
FEATURE_COUNTS: list[tuple[str, str, dict[str, object]]] = [
    ("Firing alerts", "alerts.Alert", {"status": "firing"}),
    ("Executions in flight", "runbooks.Execution", {"status__in": ["pending", "running"]}),
    ("Approvals waiting", "runbooks.Execution", {"status": "awaiting_approval"}),
]


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
