"""Prometheus counters of terminal sessions (process-local; exported at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

TERMINAL_SESSIONS = Counter(
    "remediation_terminal_sessions_total", "Terminal sessions by event (opened, refused, closed)", ["event", "reason"]
)
TERMINAL_BYTES = Counter("remediation_terminal_bytes_total", "Bytes through closed terminal sessions", ["direction"])
