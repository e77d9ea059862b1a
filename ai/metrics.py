"""Prometheus metrics of AI analyses and provider health, read from the database at scrape time (so every web
process agrees)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import DatabaseError
from django.db.models import Count, Q, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ai.models import Analysis

LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)


class AnalysisCollector(Collector):
    """Analyses by status, latency histogram, tokens and cost by provider and model."""

    def describe(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        """The metric names, without samples (so registering does not query the database)."""
        labels = ["provider", "model"]
        yield CounterMetricFamily("remediation_ai_analyses", "AI analyses by status", labels=["status"])
        yield CounterMetricFamily("remediation_ai_tokens", "LLM tokens of analyses", labels=[*labels, "kind"])
        yield CounterMetricFamily("remediation_ai_cost_usd", "LLM cost of analyses (LiteLLM cost map)", labels=labels)
        yield HistogramMetricFamily("remediation_ai_analysis_latency_seconds", "Analysis latency", labels=labels)

    def collect(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        try:
            yield from self._collect()
        except DatabaseError:
            return  # /readyz reports the database; a scrape must not fail because of it

    def _collect(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        from ai.models import Analysis

        by_status = CounterMetricFamily("remediation_ai_analyses", "AI analyses by status", labels=["status"])
        for row in Analysis.objects.values("status").annotate(n=Count("id")).order_by("status"):
            by_status.add_metric([row["status"]], row["n"])
        yield by_status
        yield from self._usage(Analysis)

    def _usage(self, analysis_model: type[Analysis]) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        labels = ["provider", "model"]
        tokens = CounterMetricFamily("remediation_ai_tokens", "LLM tokens of analyses", labels=[*labels, "kind"])
        cost = CounterMetricFamily("remediation_ai_cost_usd", "LLM cost of analyses (LiteLLM cost map)", labels=labels)
        latency = HistogramMetricFamily("remediation_ai_analysis_latency_seconds", "Analysis latency", labels=labels)
        buckets = {f"le_{i}": Count("id", filter=Q(latency_ms__lte=b * 1000)) for i, b in enumerate(LATENCY_BUCKETS)}
        rows = (
            analysis_model.objects.exclude(latency_ms=None)
            .values("provider_name", "model")
            .annotate(
                n=Count("id"),
                total_ms=Sum("latency_ms"),
                prompt=Sum("prompt_tokens"),
                completion=Sum("completion_tokens"),
                cost=Sum("cost_usd"),
                **buckets,
            )
            .order_by("provider_name", "model")
        )
        for row in rows:
            key = [row["provider_name"], row["model"]]
            tokens.add_metric([*key, "prompt"], row["prompt"] or 0)
            tokens.add_metric([*key, "completion"], row["completion"] or 0)
            cost.add_metric(key, float(row["cost"] or 0))
            cumulative = [(str(b), row[f"le_{i}"]) for i, b in enumerate(LATENCY_BUCKETS)] + [("+Inf", row["n"])]
            latency.add_metric(key, cumulative, (row["total_ms"] or 0) / 1000)
        yield from (tokens, cost, latency)


class ProviderHealthCollector(Collector):
    """Each enabled provider's last health check: up (1 ok, 0 unhealthy) and when it ran."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._collect()
        except DatabaseError:
            return

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        labels = ["provider", "model"]
        return (
            GaugeMetricFamily("remediation_ai_provider_up", "Last provider health check passed", labels=labels),
            GaugeMetricFamily(
                "remediation_ai_provider_checked_timestamp_seconds", "When the provider was last checked", labels=labels
            ),
        )

    def _collect(self) -> Iterator[GaugeMetricFamily]:
        from ai.choices import ProviderHealth
        from ai.models import Provider

        up, checked = self._families()
        rows = Provider.objects.filter(enabled=True).exclude(health_checked_at=None).order_by("name")
        for name, model, status, at in rows.values_list("name", "model", "health_status", "health_checked_at"):
            up.add_metric([name, model], 1 if status == ProviderHealth.OK else 0)
            checked.add_metric([name, model], at.timestamp())  # type: ignore[union-attr]  # NULLs excluded above
        yield from (up, checked)
