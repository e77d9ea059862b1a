"""Workflows of the ai app: one service function per workflow."""
