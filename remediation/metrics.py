"""The app's own Prometheus metrics (process-local counters; exported beside django-prometheus at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Info

BUILD = Info("remediation_build", "Remediation Engine build information")
BUILD.info({"version": "1.0.0"})

AUDIT_EVENTS = Counter("remediation_audit_events_total", "Audit events written", ["action"])
LOGINS = Counter("remediation_logins_total", "Login attempts by channel and result", ["channel", "result"])
TERMINAL_SESSIONS = Counter(
    "remediation_terminal_sessions_total", "Terminal sessions by event (opened, refused, closed)", ["event", "reason"]
)
TERMINAL_BYTES = Counter("remediation_terminal_bytes_total", "Bytes through closed terminal sessions", ["direction"])
