"""The dead-man switch: the product raises its own alert when the always-firing Watchdog alert stops arriving.

Prometheus fires `Watchdog` for ever (deploy/prometheus/remediation-engine.rules.yml) and Alertmanager re-sends it to
the product every repeat interval. When none has arrived for WATCHDOG_STALE_SECONDS, Prometheus, Alertmanager or the
path between them and the product is broken, and the product says so with an alert of its own (source
`remediation-engine`), through the same ingest as any delivery, so rules can act on it; it resolves when the Watchdog
comes back. Before the first Watchdog arrives the switch is not armed (a product nobody monitors stays quiet).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert
from alerts.payload import Batch, IncomingAlert, fingerprint
from alerts.services.ingest import ingest_alerts

SELF_SOURCE = "remediation-engine"
MISSING = "RemediationWatchdogMissing"


def check_watchdog(*, now: dt.datetime | None = None) -> str:
    """Raise or resolve the product's own alert from when the Watchdog last arrived; returns what it found."""
    name = settings.WATCHDOG_ALERTNAME
    if not name:
        return "off"
    now = now or timezone.now()
    arrivals = Alert.objects.filter(alertname=name).exclude(source=SELF_SOURCE)
    last = arrivals.aggregate(at=Max("last_received_at"))["at"]
    if last is None:
        return "not armed: no Watchdog has arrived yet"
    stale = dt.timedelta(seconds=settings.WATCHDOG_STALE_SECONDS)
    missing = now - last > stale
    raised = Alert.objects.filter(source=SELF_SOURCE, alertname=MISSING, status=AlertStatus.FIRING).first()
    if missing and raised is None:
        _deliver(AlertStatus.FIRING, name, starts_at=last + stale, ends_at=None, last=last)
        return "raised"
    if not missing and raised is not None:
        _deliver(AlertStatus.RESOLVED, name, starts_at=raised.starts_at, ends_at=now, last=last)
        return "resolved"
    return "missing" if missing else "arriving"


def _deliver(status: str, name: str, *, starts_at: dt.datetime, ends_at: dt.datetime | None, last: dt.datetime) -> None:
    labels = {"alertname": MISSING, "severity": "critical", "watchdog": name}
    summary = f"The always-firing {name} alert stopped arriving: Prometheus or Alertmanager cannot reach this product"
    annotations = {
        "summary": summary,
        "description": f"The last {name} arrived at {last:%Y-%m-%d %H:%M:%S} UTC.",
        "runbook": "docs/monitoring.md#remediationwatchdogmissing",
    }
    alert = IncomingAlert(status, labels, annotations, starts_at, ends_at, "", fingerprint(labels))
    ingest_alerts(Batch(receiver=SELF_SOURCE, alerts=[alert]), source=SELF_SOURCE)
