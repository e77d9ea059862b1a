"""The `ssh` executor: one shell command on each target (values travel as variables), through remediation/ssh/.

Commands run on a PTY so that closing the channel (cancel, timeout) hangs up the remote process group: without
one, sshd leaves a `sleep 60` running after the channel is gone. The PTY merges stderr into stdout.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Mapping
from typing import Any

from remediation import ssh
from remediation.actors import Actor
from runbooks.choices import ErrorKind
from runbooks.executors.base import Action, Executor, Outcome, StepIO, register
from runbooks.specs import StepSpec
from runbooks.targets import Target
from runbooks.templating import shell
from runbooks.templating.engine import TemplateProblem

PTY_WIDTH = 250


@register
class SshExecutor(Executor):
    """Runs the rendered command on the target over SSH (pinned host keys only)."""

    kind = "ssh"

    def validate(self, step: Mapping[str, Any]) -> list[str]:
        codes = step.get("expected_exit_codes")
        if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, int) for c in codes)):
            return ["expected_exit_codes must be a list of integers"]
        return []

    def plan(self, step: StepSpec, variables: dict[str, Any], target: Target | None) -> Action:
        action = Action(kind=self.kind, step=step, target=target)
        try:
            command = shell.render_command(step.command, variables)
            rollback = shell.render_command(step.rollback_command, variables)
        except TemplateProblem as exc:
            action.problems.append(str(exc))
            return action
        action.problems = command.problems + [f"rollback_command: {p}" for p in rollback.problems]
        if action.problems:
            return action
        action.payload, action.display, action.segments = {"command": command.text}, command.text, command.segments
        # The policy reads the exact command and the script with each value where its reference stands.
        action.commands = [command.text, command.expanded, rollback.text, rollback.expanded]
        action.substitutions = command.substitutions + rollback.substitutions
        action.secrets, action.raw = (*command.secrets, *rollback.secrets), _raw(action.substitutions)
        if rollback.text.strip():
            action.rollback_payload, action.rollback_display = {"command": rollback.text}, rollback.text
            action.rollback_segments = rollback.segments
        return action

    def prepare(self, action: Action, cache: dict[Any, Any], purpose: str) -> None:
        """Resolve the connection; a credential is decrypted (and audited) once per execution, not per target."""
        from remediation.models import Server
        from remediation.services.credentials import use_credential
        from remediation.services.inventory import connection_target

        if action.target is None:
            raise ValueError("an ssh step needs a target")
        server = Server.objects.select_related("credential").get(pk=action.target.id)
        if server.credential is None:
            raise ValueError(f"server {server.name!r} has no credential")
        key = ("credential", server.credential_id)
        if key not in cache:
            cache[key] = use_credential(server.credential, actor=Actor.system(), purpose=purpose)
        secrets = cache[key]
        action.payload["connection"] = connection_target(server, secrets)
        found = (secrets.password, secrets.private_key, secrets.passphrase)
        action.secrets = tuple(s for s in (*action.secrets, *found) if s)

    def execute(self, action: Action, io: StepIO) -> Outcome:
        return run_remote(action.payload["connection"], action.payload["command"], io)

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        return run_remote(action.payload["connection"], (action.rollback_payload or {})["command"], io)


def _raw(substitutions: list[dict[str, str]]) -> bool:
    return any(s["placement"] == "raw" for s in substitutions)


def run_remote(target: ssh.Target, command: str, io: StepIO) -> Outcome:
    """Connect, run `command` on a PTY, stream its output; close the channel on cancel or timeout."""
    deadline = time.monotonic() + io.timeout
    try:
        connection = ssh.connect(target)
    except ssh.SshHostKeyMismatch as exc:
        return Outcome(error_kind=ErrorKind.TARGET, error=exc.message)
    except ssh.SshError as exc:
        kind = ErrorKind.TARGET if isinstance(exc, ssh.SshAuthFailed) else ErrorKind.TRANSPORT
        return Outcome(error_kind=kind, error=exc.detail)
    io.on_abort(connection.close)
    reader = _Reader(io)
    try:
        channel = connection.exec(command, timeout=max(1.0, deadline - time.monotonic()), pty_width=PTY_WIDTH)
        done = ssh.drain(channel, reader.feed, stop=lambda: _stop_reason(io, deadline))
    except ssh.SshError as exc:
        if io.cancel.is_set():
            return Outcome(error_kind=ErrorKind.CANCELLED, error="cancelled; the channel was closed")
        return Outcome(error_kind=ErrorKind.TRANSPORT, error=exc.detail)
    finally:
        connection.close()
    reader.close()
    if done.stopped == "cancelled":
        return Outcome(error_kind=ErrorKind.CANCELLED, error="cancelled; the channel was closed")
    if done.stopped == "timeout":  # the channel was closed: that hangs up the PTY, the process group gets SIGHUP
        return Outcome(error_kind=ErrorKind.TIMEOUT, error=f"no exit within {io.timeout:g}s; channel closed")
    return Outcome(exit_code=done.exit_status)


def _stop_reason(io: StepIO, deadline: float) -> str:
    if io.cancel.is_set():
        return "cancelled"
    return "timeout" if time.monotonic() >= deadline else ""


class _Reader:
    """Decodes PTY bytes into text: UTF-8 split across reads kept whole, the PTY's CRLF turned back into LF.

    A CR at the end of one read may be the first half of a CRLF, so it waits for the next read.
    """

    def __init__(self, io: StepIO) -> None:
        self.io = io
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.held_cr = False

    def feed(self, data: bytes, final: bool = False) -> None:
        text = ("\r" if self.held_cr else "") + self.decoder.decode(data, final=final)
        self.held_cr = not final and text.endswith("\r")
        if self.held_cr:
            text = text[:-1]
        self.io.emit("stdout", text.replace("\r\n", "\n"))

    def close(self) -> None:
        self.feed(b"", final=True)
