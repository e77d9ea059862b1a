"""Retention of alert episodes (registered in AlertsConfig.ready())."""

from __future__ import annotations

import datetime as dt

from remediation.services.retention import cutoff


def purge_alerts(now: dt.datetime) -> dict[str, int]:
    """Delete resolved episodes last received before RETENTION_ALERTS_DAYS (open episodes are kept)."""
    from alerts.choices import AlertStatus
    from alerts.models import Alert

    before = cutoff("RETENTION_ALERTS_DAYS", now)
    if before is None:
        return {"alerts": 0}
    old = Alert.objects.filter(status=AlertStatus.RESOLVED, last_received_at__lt=before)
    count = old.count()
    old.delete()
    return {"alerts": count}
