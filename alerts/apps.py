"""Alert intake: the Alertmanager receiver, alert episodes, their API and pages."""

from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts.metrics import RuleCollector
        from remediation import hooks
        from remediation.choices import RuleAction
        from remediation.metrics import register_collectors

        register_collectors(RuleCollector())  # importing alerts.metrics also shows its counters from the start
        # Remediate requests are handed to the runbooks app by this app's own hand-off (alerts sits above runbooks).
        hooks.register_handler(RuleAction.REMEDIATE, "alerts.services.remediate.handle_remediate", atomic=True)
        hooks.register_purger("alerts.retention.purge_alerts")
        # The sweeper keeps the schedule name it had when action requests were the kernel's (one row, no duplicate).
        hooks.register_job("remediation.redispatch_stale", "alerts.tasks.redispatch_stale_action_requests", 1)
        hooks.register_job("alerts.check_watchdog", "alerts.tasks.check_watchdog", 1)
        hooks.register_dashboard("incidents", "alerts.services.incident_numbers.dashboard_section")
