"""Admin of the alerts app, one module per area."""

from __future__ import annotations

from alerts.admin import alerts, rules, suggestions, webhooks  # noqa: F401  (registers the ModelAdmins)
