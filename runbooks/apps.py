"""Runbooks (definitions) and executions (runs): executors, the runner, approvals, live output."""

from __future__ import annotations

from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "runbooks"
    verbose_name = "Runbooks"
    retention_purgers = [
        "runbooks.services.retention.purge_executions",
        "runbooks.services.retention.clear_step_output",
        "runbooks.services.retention.purge_schedule_runs",
    ]

    def ready(self) -> None:
        from remediation.metrics import register_collectors
        from runbooks import checks  # noqa: F401  (registers the system check)
        from runbooks.metrics import RunbookCollector

        register_collectors(RunbookCollector())
