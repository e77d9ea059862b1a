"""The app's own Prometheus metrics (process-local counters; exported beside django-prometheus at /metrics)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import Counter, Info
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

BUILD = Info("remediation_build", "Remediation Engine build information")
BUILD.info({"version": "1.0.0"})

AUDIT_EVENTS = Counter("remediation_audit_events_total", "Audit events written", ["action"])
LOGINS = Counter("remediation_logins_total", "Login attempts by channel and result", ["channel", "result"])

ENQUEUE_FAILURES = Counter(
    "remediation_enqueue_failures_total",
    "Tasks whose enqueue after commit failed (the broker was unreachable); the sweeper sends them again",
    ["task"],
)
REDISPATCHED = Counter(
    "remediation_redispatched_total", "Rows left pending past REDISPATCH_AFTER_SECONDS and queued again", ["kind"]
)
RATE_LIMIT_FALLBACKS = Counter(
    "remediation_rate_limit_fallbacks_total",
    "Rate-limit checks answered by the process-local limiter because the shared cache (Redis) was unreachable",
    ["limiter"],
)


class WorkerCollector(Collector):
    """Readiness checks, and worker liveness read from the heartbeat table and the broker, at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without describe() the registry would call collect() (a database query) at registration time.
        yield GaugeMetricFamily("remediation_ready", "", labels=["check"])
        yield GaugeMetricFamily("remediation_workers_seen", "")
        yield GaugeMetricFamily("remediation_oldest_queued_task_seconds", "")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from remediation.services.health import readiness
        from remediation.services.heartbeat import liveness

        ready = GaugeMetricFamily("remediation_ready", "1 while the /readyz check passes, else 0", labels=["check"])
        for check, result in readiness().items():
            ready.add_metric([check], 1.0 if result["ok"] else 0.0)
        yield ready

        try:
            report = liveness()
        except DatabaseError:
            logger.warning("worker metrics unavailable: database error", exc_info=True)
            return
        seen = GaugeMetricFamily("remediation_workers_seen", "qcluster instances with a fresh heartbeat")
        seen.add_metric([], report["workers_seen"])
        yield seen
        oldest = GaugeMetricFamily(
            "remediation_oldest_queued_task_seconds", "Age of the oldest task message waiting in the broker"
        )
        oldest.add_metric([], report["oldest_queued_task_seconds"] or 0.0)
        yield oldest


class NotificationCollector(Collector):
    """Notification deliveries that ended sent or failed, by event kind (read from the delivery log at scrape time).

    Deliveries are made by workers, so a process-local counter in the web process would never move; the log rows
    are the count (they only shrink when retention purges them, which Prometheus reads as a counter reset).
    """

    def describe(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily("remediation_notifications", "", labels=["kind", "status"])

    def collect(self) -> Iterator[CounterMetricFamily]:
        from django.db.models import Count

        from remediation.choices import DeliveryStatus
        from remediation.models import NotificationDelivery

        family = CounterMetricFamily(
            "remediation_notifications", "Notification deliveries by event kind and outcome", labels=["kind", "status"]
        )
        ended = [DeliveryStatus.SENT, DeliveryStatus.FAILED]
        try:
            rows = list(
                NotificationDelivery.objects.filter(status__in=ended)
                .values("event", "status")
                .annotate(n=Count("id"))
                .order_by()
            )
        except DatabaseError:
            logger.warning("notification metrics unavailable: database error", exc_info=True)
            return
        for row in rows:
            family.add_metric([row["event"], row["status"]], row["n"])
        yield family


_registered: set[type[Collector]] = set()


def register_collectors(*collectors: Collector) -> None:
    """Add collectors that read the database at scrape time to the default registry, each class once per process."""
    for collector in collectors:
        if type(collector) not in _registered:
            REGISTRY.register(collector)
            _registered.add(type(collector))
