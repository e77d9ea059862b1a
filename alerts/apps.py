"""Alert intake: the Alertmanager receiver, alert episodes, their API and pages."""

from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"
    retention_purgers = ["alerts.retention.purge_alerts"]

    def ready(self) -> None:
        from alerts.metrics import RuleCollector
        from alerts.services.actions import register_handler
        from remediation.choices import RuleAction
        from remediation.metrics import register_collectors

        register_collectors(RuleCollector())  # importing alerts.metrics also shows its counters from the start
        # Remediate requests are handed to the runbooks app by this app's own hand-off (alerts sits above runbooks).
        register_handler(RuleAction.REMEDIATE, "alerts.services.remediate.handle_remediate", atomic=True)
