"""Prometheus counters of alert intake and rule decisions (process-local; exported at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
