"""The alert as prompt data: the episode, recent history of the same alertname/instance, related firing alerts."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

HISTORY = 10
RELATED = 10


def _episode(alert: Any) -> dict[str, Any]:
    return {
        "alertname": alert.alertname,
        "status": alert.status,
        "severity": alert.severity,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "times_received": alert.receive_count,
        "acknowledged": alert.acknowledged_at is not None,
    }


def alert_context(alert: Any) -> dict[str, Any]:
    """Everything the model sees about an alert, before redaction."""
    model = type(alert)
    instance = (alert.labels or {}).get("instance")
    same = model.objects.filter(alertname=alert.alertname).exclude(pk=alert.pk)
    if instance:
        same = same.filter(labels__instance=instance)
    history = [
        {"starts_at": a.starts_at, "ends_at": a.ends_at, "status": a.status}
        for a in same.order_by("-starts_at")[:HISTORY]
    ]
    nearby = Q(labels__instance=instance) if instance else Q(alertname=alert.alertname)
    related = [
        {"alertname": a.alertname, "severity": a.severity, "labels": a.labels, "starts_at": a.starts_at}
        for a in model.objects.filter(nearby, status="firing").exclude(pk=alert.pk).order_by("-starts_at")[:RELATED]
    ]
    return {"alert": _episode(alert), "recent_history": history, "related_firing_alerts": related}
