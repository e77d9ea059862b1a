"""The `ssh` executor: one shell command on each target, every value shell-quoted, through remediation/ssh.py."""

from __future__ import annotations

from typing import Any

from runbooks import templating
from runbooks.choices import ErrorKind
from runbooks.executors.base import Action, Executor, Outcome, StepIO, register
from runbooks.targets import Target


@register
class SshExecutor(Executor):
    """Runs the rendered command on the target over SSH (pinned host keys only)."""

    kind = "ssh"

    def validate(self, step: dict[str, Any]) -> list[str]:
        codes = step.get("expected_exit_codes")
        if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, int) for c in codes)):
            return ["expected_exit_codes must be a list of integers"]
        return []

    def plan(self, step: dict[str, Any], variables: dict[str, Any], target: Target | None) -> Action:
        action = Action(kind=self.kind, step=step, target=target)
        action.raw = any(
            templating.uses_raw(s) for s in (step.get("command") or "", step.get("rollback_command") or "")
        )
        try:
            command = templating.render(step.get("command") or "", templating.SHELL, variables)
            rollback = templating.render(step.get("rollback_command") or "", templating.SHELL, variables)
        except templating.TemplateProblem as exc:
            action.problems.append(str(exc))
            return action
        action.payload, action.display, action.commands = {"command": command}, command, [command, rollback]
        if rollback.strip():
            action.rollback_payload, action.rollback_display = {"command": rollback}, rollback
        return action

    def execute(self, action: Action, io: StepIO) -> Outcome:
        return self._run(action, action.payload["command"], io)

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        return self._run(action, (action.rollback_payload or {})["command"], io)

    def _run(self, action: Action, command: str, io: StepIO) -> Outcome:
        return Outcome(error_kind=ErrorKind.TRANSPORT, error="SSH transport (remediation/ssh.py) is not installed yet")
