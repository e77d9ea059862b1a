"""Channels of a connection (exec and PTY) and the one read loop every caller uses (`drain`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import paramiko

from remediation.ssh.errors import SshChannelError, SshCommandTimeout

OUTPUT_LIMIT = 64 * 1024
CHUNK = 32 * 1024
POLL = 0.1
# After the exit status, this many seconds without output end a read even without EOF (a background process
# holding a PTY open).
EOF_GRACE = 2.0
CHANNEL_ERRORS = (paramiko.SSHException, OSError, EOFError)


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def channel_error(what: str, exc: BaseException) -> SshChannelError:
    """A paramiko or socket failure on an open connection, as the seam's SshChannelError saying `what` failed."""
    return SshChannelError(f"{what}: {str(exc) or type(exc).__name__}.")


class Connection:
    """An authenticated connection (host key checked) that opens channels; close() is idempotent and thread-safe."""

    def __init__(self, client: paramiko.SSHClient, *, channel_timeout: float) -> None:
        self._client = client
        self.channel_timeout = channel_timeout

    def _open(self, timeout: float) -> paramiko.Channel:
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise SshChannelError("The SSH connection closed before a channel could be opened.")
        return transport.open_session(timeout=timeout)

    def exec(self, command: str, *, timeout: float, pty_width: int = 0, poll: float | None = POLL) -> ExecChannel:
        """Start `command` (on a `dumb` PTY when `pty_width` is set: closing the channel then hangs it up)."""
        try:
            channel = self._open(timeout)
            if pty_width:
                channel.get_pty(term="dumb", width=pty_width)
            channel.exec_command(command)
        except CHANNEL_ERRORS as exc:
            raise channel_error("The command could not start", exc) from exc
        channel.settimeout(poll)
        return ExecChannel(channel)

    def shell(self, *, term: str, cols: int, rows: int, environment: Mapping[str, str]) -> PtyChannel:
        """Start the login shell on a PTY; the returned channel owns this connection (closing it closes both)."""
        try:
            channel = self._open(self.channel_timeout)
            channel.get_pty(term=term, width=cols, height=rows)
            for name, value in environment.items():
                # Servers that do not AcceptEnv ignore this; the PTY carries UTF-8 bytes either way.
                with contextlib.suppress(paramiko.SSHException):
                    channel.set_environment_variable(name, value)
            channel.invoke_shell()
        except CHANNEL_ERRORS as exc:
            raise channel_error("The shell could not start", exc) from exc
        return PtyChannel(channel, owner=self)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort: the connection may already be gone
            self._client.close()


class ExecChannel:
    """One channel of a Connection: read and write bytes, wait for the exit status, close."""

    def __init__(self, channel: paramiko.Channel, owner: Connection | None = None) -> None:
        self._channel = channel
        self._owner = owner
        self.closed = False

    def read(self, size: int) -> bytes | None:
        """Up to `size` bytes; b'' at EOF (or once closed); None when the poll interval passed without any."""
        try:
            return bytes(self._channel.recv(size))
        except TimeoutError:
            return None
        except CHANNEL_ERRORS as exc:
            if self.closed:
                return b""
            raise channel_error("The connection was lost", exc) from exc

    def read_stderr(self, size: int) -> bytes:
        """What has arrived on stderr so far (no PTY only; never blocks)."""
        return bytes(self._channel.recv_stderr(size)) if self._channel.recv_stderr_ready() else b""

    def write(self, data: bytes) -> None:
        try:
            self._channel.sendall(data)
        except CHANNEL_ERRORS as exc:
            raise channel_error("The connection was lost", exc) from exc

    @property
    def exit_status(self) -> int | None:
        """The exit status once the remote side sent it, else None."""
        return int(self._channel.recv_exit_status()) if self._channel.exit_status_ready() else None

    def wait_exit(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the exit status; True once it is there."""
        self._channel.status_event.wait(timeout)
        return bool(self._channel.exit_status_ready())

    def close(self) -> None:
        """Close the channel (and the connection it owns); idempotent, unblocks a pending read."""
        self.closed = True
        with contextlib.suppress(Exception):
            self._channel.close()
        if self._owner is not None:
            self._owner.close()


class PtyChannel(ExecChannel):
    """An interactive shell on a PTY: writes and resizes are best effort (a shell that is gone just drops them)."""

    def write(self, data: bytes) -> None:
        if not self.closed:
            with contextlib.suppress(SshChannelError):
                super().write(data)

    def resize(self, cols: int, rows: int) -> None:
        """Change the PTY size (the shell gets SIGWINCH)."""
        if not self.closed:
            with contextlib.suppress(*CHANNEL_ERRORS):
                self._channel.resize_pty(width=cols, height=rows)


class Readable(Protocol):
    """What `drain` reads: an ExecChannel or PtyChannel (a fake in unit tests)."""

    def read(self, size: int) -> bytes | None: ...
    def wait_exit(self, timeout: float) -> bool: ...
    def close(self) -> None: ...

    @property
    def exit_status(self) -> int | None: ...


@dataclass(frozen=True)
class Drained:
    """How a read ended: the exit status (None when stopped first or not awaited) and the stop reason, if any."""

    exit_status: int | None
    stopped: str = ""


def _never() -> str:
    return ""


def drain(
    channel: Readable,
    sink: Callable[[bytes], None],
    *,
    stop: Callable[[], str] = _never,
    wait_exit: bool = True,
    eof_grace: float = EOF_GRACE,
) -> Drained:
    """Read a channel to EOF into `sink`, then take its exit status: the one read loop of every caller.

    With a PTY, OpenSSH may send the exit status before the output is drained: stopping at the status lost the end
    of large outputs, so only EOF ends the read. A background process that keeps the PTY open would hold EOF back
    for ever, so after the exit status `eof_grace` seconds of silence also end it. `stop()` is asked between reads
    (with a polling channel, at least every POLL seconds); a reason closes the channel and is returned.
    """
    last_data = time.monotonic()
    while True:
        reason = stop()
        if reason:
            channel.close()
            return Drained(None, reason)
        data = channel.read(CHUNK)
        if data is None:  # nothing within the poll interval
            if channel.exit_status is not None and time.monotonic() - last_data >= eof_grace:
                break
            continue
        if not data:  # EOF: every byte the command wrote has arrived
            break
        last_data = time.monotonic()
        sink(data)
    while wait_exit and not channel.wait_exit(POLL):
        reason = stop()
        if reason:
            channel.close()
            return Drained(None, reason)
    return Drained(channel.exit_status if wait_exit else None)


def run_command(connection: Connection, command: str, *, timeout: float) -> CommandResult:
    """Run one command (no PTY); exit code and output, each stream kept up to OUTPUT_LIMIT bytes (the rest read)."""
    deadline = time.monotonic() + timeout
    stdout, stderr = bytearray(), bytearray()

    def keep(data: bytes) -> None:
        stdout.extend(data[: OUTPUT_LIMIT - len(stdout)])
        while err := channel.read_stderr(CHUNK):  # read as it comes, so a chatty stderr never fills the window
            stderr.extend(err[: OUTPUT_LIMIT - len(stderr)])

    channel = connection.exec(command, timeout=timeout)
    try:
        done = drain(channel, keep, stop=lambda: "timeout" if time.monotonic() >= deadline else "")
        keep(b"")
    finally:
        channel.close()
    if done.exit_status is None:
        raise SshCommandTimeout(f"Command did not complete within {timeout:g}s.")
    return CommandResult(done.exit_status, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))
