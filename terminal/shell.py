"""An interactive shell with a PTY over SSH, through the SSH seam (no paramiko and no Channels here).

Every call blocks; the bridge makes them from its own reader and writer threads, never on the event loop.
Connections are made by `remediation.ssh`, which enforces the pinned host key and raises its own SshError.
"""

from __future__ import annotations

from remediation.ssh import PtyChannel, Target, Timeouts, open_shell

TERM = "xterm-256color"
ENVIRONMENT = {"LANG": "C.UTF-8"}
MAX_COLS = 1000
MAX_ROWS = 500

Shell = PtyChannel


def clamp_size(cols: int, rows: int) -> tuple[int, int]:
    """A terminal size the PTY accepts."""
    return max(1, min(int(cols), MAX_COLS)), max(1, min(int(rows), MAX_ROWS))


def start_shell(target: Target, *, cols: int, rows: int, timeouts: Timeouts | None = None) -> Shell:
    """Connect (pinned host key enforced), request a PTY and start the login shell; raises SshError."""
    cols, rows = clamp_size(cols, rows)
    return open_shell(target, term=TERM, cols=cols, rows=rows, environment=ENVIRONMENT, timeouts=timeouts or Timeouts())
