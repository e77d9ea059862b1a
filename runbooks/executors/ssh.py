"""The `ssh` executor: one shell command on each target, every value shell-quoted, through remediation/ssh.py.

Commands run on a PTY so that closing the channel (cancel, timeout) hangs up the remote process group: without
one, sshd leaves a `sleep 60` running after the channel is gone. The PTY merges stderr into stdout.
"""

from __future__ import annotations

import codecs
import select
import time
from typing import Any

from remediation.choices import SYSTEM_ACTOR
from runbooks import templating
from runbooks.choices import ErrorKind
from runbooks.executors.base import Action, Executor, Outcome, StepIO, register
from runbooks.targets import Target

CHUNK = 32 * 1024


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

    def prepare(self, action: Action, cache: dict[Any, Any], purpose: str) -> None:
        """Resolve the connection; a credential is decrypted (and audited) once per execution, not per target."""
        from remediation import ssh
        from remediation.models import Server
        from remediation.services.credentials import use_credential
        from remediation.services.inventory import pinned_key

        if action.target is None:
            raise ValueError("an ssh step needs a target")
        server = Server.objects.select_related("credential").get(pk=action.target.id)
        if server.credential is None:
            raise ValueError(f"server {server.name!r} has no credential")
        key = ("credential", server.credential_id)
        if key not in cache:
            cache[key] = use_credential(server.credential, actor=SYSTEM_ACTOR, purpose=purpose)
        secrets = cache[key]
        action.payload["connection"] = ssh.Target(
            host=server.hostname, port=server.port, username=server.username, pinned_key=pinned_key(server),
            password=secrets.password, private_key=secrets.private_key, passphrase=secrets.passphrase,
            label=server.name,
        )  # fmt: skip
        found = (secrets.password, secrets.private_key, secrets.passphrase)
        action.secrets = tuple(s for s in (*action.secrets, *found) if s)

    def execute(self, action: Action, io: StepIO) -> Outcome:
        return run_remote(action.payload["connection"], action.payload["command"], io)

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        return run_remote(action.payload["connection"], (action.rollback_payload or {})["command"], io)


def run_remote(connection: Any, command: str, io: StepIO) -> Outcome:
    """Connect, run `command` on a PTY, stream its output; close the channel on cancel or timeout."""
    from remediation import ssh

    deadline = time.monotonic() + io.timeout
    try:
        client = ssh.connect(connection)
    except ssh.HostKeyRefused as exc:
        return Outcome(error_kind=ErrorKind.TARGET, error=exc.message)
    except ssh.SSHError as exc:
        kind = ErrorKind.TARGET if exc.stage == "auth" else ErrorKind.TRANSPORT
        return Outcome(error_kind=kind, error=f"{exc.stage}: {exc.message}")
    io.on_abort(client.close)
    try:
        channel = client.get_transport().open_session(timeout=max(1.0, deadline - time.monotonic()))
        channel.get_pty(term="dumb", width=250)
        channel.exec_command(command)
        return _pump(channel, io, deadline)
    except Exception as exc:  # paramiko's exceptions cannot be named here: only remediation/ssh.py imports it
        if io.cancel.is_set():
            return Outcome(error_kind=ErrorKind.CANCELLED, error="cancelled; the channel was closed")
        return Outcome(error_kind=ErrorKind.TRANSPORT, error=f"{type(exc).__name__}: {exc}")
    finally:
        client.close()


def _pump(channel: Any, io: StepIO, deadline: float) -> Outcome:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        if io.cancel.is_set():
            channel.close()
            return Outcome(error_kind=ErrorKind.CANCELLED, error="cancelled; the channel was closed")
        if time.monotonic() >= deadline:
            channel.close()  # hangs up the PTY: the remote process group gets SIGHUP
            return Outcome(error_kind=ErrorKind.TIMEOUT, error=f"no exit within {io.timeout:g}s; channel closed")
        select.select([channel], [], [], 0.1)
        while channel.recv_ready():
            io.emit("stdout", decoder.decode(channel.recv(CHUNK)).replace("\r\n", "\n"))
        if channel.exit_status_ready() and not channel.recv_ready():
            io.emit("stdout", decoder.decode(b"", final=True))
            return Outcome(exit_code=channel.recv_exit_status())
