"""Core app: identity, permissions, audit, servers, credentials, grants and the shared seams."""

from __future__ import annotations

import logging

from django.apps import AppConfig


class RemediationConfig(AppConfig):
    name = "remediation"
    verbose_name = "Remediation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from remediation import checks, hooks, jobs, metrics  # noqa: F401  (checks registers the system checks)
        from remediation.roles import sync_roles_after_migrate

        # Permissions of models added by later migrations join the roles they belong to.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="remediation.sync_roles")
        post_migrate.connect(upsert_after_migrate, sender=self, dispatch_uid="remediation.housekeeping")
        metrics.register_collectors(metrics.WorkerCollector(), metrics.NotificationCollector())
        hooks.register_job(
            "remediation.worker_heartbeat", "remediation.tasks.record_heartbeat", 1, intended_kwarg="intended"
        )
        hooks.register_job("remediation.purge_old_data", "remediation.tasks.purge_old_data", 24 * 60)
        hooks.register_job("remediation.send_due_notifications", "remediation.tasks.send_due_notifications", 1)
        hooks.register_purger("remediation.notifications.delivery.purge_deliveries")
        # A worker is seen as soon as it starts, not only after the heartbeat schedule's first turn.
        jobs.on_worker_start(heartbeat_on_start, uid="remediation.heartbeat_on_start")


def heartbeat_on_start(**kwargs: object) -> None:
    """Write this worker's heartbeat as it starts (its cluster's row; later beats come from the schedule)."""
    from remediation.services.heartbeat import record_heartbeat

    try:
        record_heartbeat()
    except Exception:  # a database hiccup must not stop the worker starting; the schedule beats again in a minute
        logging.getLogger(__name__).warning("Could not write the worker's start heartbeat.", exc_info=True)


def upsert_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    """Keep the housekeeping schedules in step with the code after every migrate (all migrations have run)."""
    from remediation.services.housekeeping import upsert_housekeeping_schedules

    upsert_housekeeping_schedules()
