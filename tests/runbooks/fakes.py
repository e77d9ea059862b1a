"""The one seam faked in runner unit tests: a `script` executor that runs in-process (no target at all).

Its command language: `ok`, `fail`, `exit:N`, `print:TEXT`, `sleep:SECONDS`, `flaky:N` (fails N times per step and
target, then succeeds). Every execute/rollback call is appended to CALLS for order assertions.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from runbooks import templating
from runbooks.choices import ErrorKind
from runbooks.executors import REGISTRY, Action, Executor, Outcome, StepIO
from runbooks.specs import StepSpec
from runbooks.targets import Target

CALLS: list[tuple[str, str, str]] = []
_ATTEMPTS: Counter[str] = Counter()
_LOCK = threading.Lock()


class ScriptExecutor(Executor):
    kind = "script"

    def plan(self, step: StepSpec, variables: dict[str, Any], target: Target | None) -> Action:
        action = Action(kind=self.kind, step=step, target=target)
        try:
            command = templating.render(step.command, templating.TEXT, variables)
            rollback = templating.render(step.rollback_command, templating.TEXT, variables)
        except templating.TemplateProblem as exc:
            action.problems.append(str(exc))
            return action
        action.payload, action.display, action.commands = {"command": command}, command, [command, rollback]
        if rollback:
            action.rollback_payload, action.rollback_display = {"command": rollback}, rollback
        return action

    def execute(self, action: Action, io: StepIO) -> Outcome:
        return self._run("run", action, action.payload["command"], io)

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        return self._run("rollback", action, (action.rollback_payload or {})["command"], io)

    def _run(self, phase: str, action: Action, command: str, io: StepIO) -> Outcome:
        where = action.target.name if action.target else "-"
        with _LOCK:
            CALLS.append((phase, action.step.name, where))
        verb, _, arg = command.partition(":")
        if verb == "print":
            io.emit("stdout", arg + "\n")
            return Outcome(exit_code=0)
        if verb == "sleep":
            if io.cancel.wait(min(float(arg), io.timeout)):
                return Outcome(error_kind=ErrorKind.CANCELLED, error="cancelled")
            if float(arg) > io.timeout:
                return Outcome(error_kind=ErrorKind.TIMEOUT, error="timed out")
            return Outcome(exit_code=0)
        if verb == "flaky":
            with _LOCK:
                _ATTEMPTS[action.step.name + where] += 1
                count = _ATTEMPTS[action.step.name + where]
            return Outcome(exit_code=1 if count <= int(arg) else 0)
        if verb == "exit":
            return Outcome(exit_code=int(arg))
        return Outcome(exit_code=0 if verb == "ok" else 1)


def install() -> None:
    CALLS.clear()
    _ATTEMPTS.clear()
    REGISTRY["script"] = ScriptExecutor()


def uninstall() -> None:
    REGISTRY.pop("script", None)
