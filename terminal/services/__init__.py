"""Workflows of the terminal app, one module per workflow family (each service audits what it changes)."""
