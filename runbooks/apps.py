"""Runbooks (definitions) and executions (runs): executors, the runner, approvals, live output."""

from __future__ import annotations

from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "runbooks"
    verbose_name = "Runbooks"

    def ready(self) -> None:
        from remediation import hooks
        from remediation.metrics import register_collectors
        from runbooks import checks  # noqa: F401  (registers the system check)
        from runbooks.metrics import RunbookCollector

        register_collectors(RunbookCollector())
        for purger in ("purge_executions", "clear_step_output", "purge_schedule_runs"):
            hooks.register_purger(f"runbooks.services.retention.{purger}")
        # The lease reaper, approval expiry and verification closing keep the names runbooks migrations 0003 and 0006
        # gave their schedules, so the upsert takes those rows over (one row per job on old and fresh databases).
        for name, minutes in (
            ("reap_expired_leases", 1),
            ("redispatch_pending", 1),
            ("expire_approvals", 1),
            ("close_verifications", 1),
            ("rearm_schedules", 5),
        ):
            hooks.register_job(f"runbooks.{name}", f"runbooks.tasks.{name}", minutes)
