"""Workflows of the runbooks app: one service function per workflow."""

from __future__ import annotations
