"""Browser SSH terminal: the shell bridge, its consumer and session recordings."""

from __future__ import annotations

from django.apps import AppConfig


class TerminalConfig(AppConfig):
    name = "terminal"
    verbose_name = "Terminal"

    def ready(self) -> None:
        from remediation import hooks
        from terminal import metrics  # noqa: F401  (its counters show at /metrics from the start)

        hooks.register_purger("terminal.retention.purge_recordings")
        hooks.register_job("terminal.reap_stale_sessions", "terminal.tasks.reap_stale_sessions", 5)
