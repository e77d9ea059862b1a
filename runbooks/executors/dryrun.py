"""Dry-run: a wrapper that plans like the real executor and never touches the target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runbooks.executors.base import Action, Executor, Outcome, StepIO
from runbooks.specs import StepSpec
from runbooks.targets import Target


class DryRunExecutor(Executor):
    """Delegates validate/plan to the wrapped executor; execute and rollback only report what would run."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.kind = inner.kind  # type: ignore[misc]

    def validate(self, step: Mapping[str, Any]) -> list[str]:
        return self.inner.validate(step)

    def plan(self, step: StepSpec, variables: dict[str, Any], target: Target | None) -> Action:
        return self.inner.plan(step, variables, target)

    def prepare(self, action: Action, cache: dict[Any, Any], purpose: str) -> None:
        """Nothing: a dry run decrypts no credential and resolves no connection."""

    def execute(self, action: Action, io: StepIO) -> Outcome:
        io.emit("stdout", f"[dry run] would run: {action.display}\n")
        return Outcome()

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        io.emit("stdout", f"[dry run] would roll back: {action.rollback_display}\n")
        return Outcome()
