"""Workflows of the alerts app: one service function per workflow."""

from __future__ import annotations
