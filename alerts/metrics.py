"""Alert-side metrics: intake and decision counters (process-local) and, read from the database at scrape time,
rules whose circuit breaker is open."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

ALERTS_RECEIVED = Counter("remediation_alerts_received_total", "Alerts received on the webhook", ["status"])
ALERT_EPISODES = Counter(
    "remediation_alert_episodes_total",
    "What received alerts did to episodes: created, duplicate (repeat of a known episode), resolved",
    ["result"],
)
ALERT_DECISIONS = Counter(
    "remediation_alert_decisions_total", "Rule decisions by action and outcome", ["action", "outcome"]
)
WEBHOOK_REJECTS = Counter("remediation_webhook_rejects_total", "Rejected webhook requests by reason", ["reason"])
WEBHOOK_LATENCY = Histogram(
    "remediation_webhook_seconds",
    "Webhook request handling time",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
)


class RuleCollector(Collector):
    """How many enabled remediate rules have an open circuit breaker (they start nothing until it half-opens)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without describe() the registry would call collect() (a database query) at registration time.
        yield GaugeMetricFamily("remediation_breakers_open", "")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from alerts.models import Rule
        from remediation.choices import BreakerState, RuleAction
        from runbooks.services.guardrails import breaker_state

        try:
            now = timezone.now()
            rules = Rule.objects.filter(enabled=True, action=RuleAction.REMEDIATE, breaker_threshold__gt=0)
            open_now = sum(1 for rule in rules if breaker_state(rule, now=now).state == BreakerState.OPEN)
        except DatabaseError:
            logger.warning("rule metrics unavailable: database error", exc_info=True)
            return
        gauge = GaugeMetricFamily("remediation_breakers_open", "Remediate rules whose circuit breaker is open")
        gauge.add_metric([], open_now)
        yield gauge
