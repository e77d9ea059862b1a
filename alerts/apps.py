"""Alert intake: the Alertmanager receiver, alert episodes, their API and pages."""

from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"
    retention_purgers = ["alerts.retention.purge_alerts"]
