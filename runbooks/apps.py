"""Runbooks (definitions) and executions (runs): executors, the runner, approvals, live output."""

from __future__ import annotations

from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "runbooks"
    verbose_name = "Runbooks"

    def ready(self) -> None:
        from runbooks import metrics

        metrics.register()
