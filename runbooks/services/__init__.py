"""Workflows of the runbooks app, one module per workflow family (each service audits what it changes)."""

from __future__ import annotations
