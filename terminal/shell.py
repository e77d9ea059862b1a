"""An interactive shell with a PTY over SSH: the terminal's only paramiko code (no Channels here).

Every method blocks; the bridge calls them from its own reader and writer threads, never on the event loop.
Connections are made by `remediation.ssh.connect`, which enforces the pinned host key.
"""

from __future__ import annotations

import contextlib
import threading

import paramiko

from remediation.ssh import SSHError, Target, Timeouts, connect

TERM = "xterm-256color"
ENVIRONMENT = {"LANG": "C.UTF-8"}
MAX_COLS = 1000
MAX_ROWS = 500


def clamp_size(cols: int, rows: int) -> tuple[int, int]:
    """A terminal size the PTY accepts."""
    return max(1, min(int(cols), MAX_COLS)), max(1, min(int(rows), MAX_ROWS))


class Shell:
    """One SSH connection with one PTY channel running the login shell."""

    def __init__(self, client: paramiko.SSHClient, channel: paramiko.Channel) -> None:
        self._client = client
        self._channel = channel
        self._closed = threading.Event()

    @classmethod
    def open(cls, target: Target, *, cols: int, rows: int, timeouts: Timeouts | None = None) -> Shell:
        """Connect (pinned host key enforced), request a PTY and start the shell; raises SSHError."""
        timeouts = timeouts or Timeouts()
        client = connect(target, timeouts=timeouts)
        cols, rows = clamp_size(cols, rows)
        try:
            transport = client.get_transport()
            if transport is None:
                raise SSHError("command", "The SSH transport closed before the shell started.")
            channel = transport.open_session(timeout=timeouts.auth)
            channel.get_pty(term=TERM, width=cols, height=rows)
            for name, value in ENVIRONMENT.items():
                # Servers that do not AcceptEnv ignore this; the PTY carries UTF-8 bytes either way.
                with contextlib.suppress(paramiko.SSHException):
                    channel.set_environment_variable(name, value)
            channel.invoke_shell()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            raise SSHError("command", f"The shell could not start: {exc or type(exc).__name__}.") from exc
        except BaseException:
            client.close()
            raise
        return cls(client, channel)

    def read(self, size: int) -> bytes:
        """Block until output arrives; b'' once the shell has exited or the connection is gone."""
        try:
            return self._channel.recv(size)
        except (OSError, EOFError, paramiko.SSHException):
            return b""

    def write(self, data: bytes) -> None:
        """Send keystrokes (blocks while the remote window is full)."""
        if not self._closed.is_set():
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                self._channel.sendall(data)

    def resize(self, cols: int, rows: int) -> None:
        """Change the PTY size (the shell gets SIGWINCH)."""
        cols, rows = clamp_size(cols, rows)
        if not self._closed.is_set():
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                self._channel.resize_pty(width=cols, height=rows)

    @property
    def exit_status(self) -> int | None:
        """The shell's exit status once it has exited, else None."""
        if self._channel.exit_status_ready():
            return int(self._channel.recv_exit_status())
        return None

    def close(self) -> None:
        """Close the channel and the connection (idempotent; unblocks a pending read)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(Exception):
            self._channel.close()
        with contextlib.suppress(Exception):
            self._client.close()
