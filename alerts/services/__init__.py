"""Workflows of the alerts app: one service function per workflow, one module per area."""

from __future__ import annotations
