"""Runbook metrics, read from the database at scrape time (the runner lives in another process than /metrics)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]


class RunbookCollector(Collector):
    """Executions by status and trigger, step duration histogram, queue lag."""

    def describe(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        # Without describe() the registry would call collect() (a database query) at registration time.
        yield GaugeMetricFamily("remediation_executions", "", labels=["status", "trigger"])
        yield GaugeMetricFamily("remediation_execution_queue_lag_seconds", "")
        yield GaugeMetricFamily("remediation_schedule_runs", "", labels=["status"])
        yield HistogramMetricFamily("remediation_step_duration_seconds", "")

    def collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        try:
            yield from self._collect()
        except DatabaseError:
            logger.warning("runbook metrics unavailable: database error", exc_info=True)

    def _collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        from runbooks.choices import ExecutionStatus
        from runbooks.models import Execution, ScheduleRun, StepRun

        by_status = GaugeMetricFamily(
            "remediation_executions", "Executions by status and trigger", labels=["status", "trigger"]
        )
        for row in Execution.objects.values("status", "trigger").annotate(n=Count("id")).order_by():
            by_status.add_metric([row["status"], row["trigger"]], row["n"])
        yield by_status

        oldest = Execution.objects.filter(status=ExecutionStatus.PENDING).aggregate(t=Min("created_at"))["t"]
        lag = GaugeMetricFamily(
            "remediation_execution_queue_lag_seconds", "Age of the oldest execution waiting for a worker"
        )
        lag.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield lag

        runs = GaugeMetricFamily(
            "remediation_schedule_runs", "Intended runs of runbook schedules by outcome", labels=["status"]
        )
        for row in ScheduleRun.objects.values("status").annotate(n=Count("id")).order_by():
            runs.add_metric([row["status"]], row["n"])
        yield runs

        finished = StepRun.objects.filter(duration_seconds__isnull=False)
        aggregates = {f"le_{i}": Count("id", filter=Q(duration_seconds__lte=b)) for i, b in enumerate(STEP_BUCKETS)}
        totals = finished.aggregate(n=Count("id"), total=Sum("duration_seconds"), **aggregates)
        histogram = HistogramMetricFamily("remediation_step_duration_seconds", "Duration of step runs")
        buckets = [(str(b), totals[f"le_{i}"]) for i, b in enumerate(STEP_BUCKETS)] + [("+Inf", totals["n"])]
        histogram.add_metric([], buckets, sum_value=totals["total"] or 0.0)
        yield histogram
