"""Browser SSH terminal: the shell bridge, its consumer and session recordings."""

from __future__ import annotations

from django.apps import AppConfig


class TerminalConfig(AppConfig):
    name = "terminal"
    verbose_name = "Terminal"
    retention_purgers = ["terminal.retention.purge_recordings"]

    def ready(self) -> None:
        from terminal import metrics  # noqa: F401  (its counters show at /metrics from the start)
