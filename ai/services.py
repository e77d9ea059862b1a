"""Workflows of the ai app: one service function per workflow."""

from __future__ import annotations
