"""Workflows of the terminal app: one service function per workflow."""

from __future__ import annotations
