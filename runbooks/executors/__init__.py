"""Executors: one small class per step kind behind a registry (see base.py)."""

from __future__ import annotations

from runbooks.executors import http, ssh  # noqa: F401  (register the kinds)
from runbooks.executors.base import REGISTRY, Action, Executor, Outcome, StepIO, get_executor, register
from runbooks.executors.dryrun import DryRunExecutor

__all__ = ["REGISTRY", "Action", "DryRunExecutor", "Executor", "Outcome", "StepIO", "get_executor", "register"]
