"""Admin of the runbooks app, one module per area."""

from __future__ import annotations

from runbooks.admin import guardrails, runbooks, runs  # noqa: F401  (registers the ModelAdmins)
