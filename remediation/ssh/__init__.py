"""The SSH seam: the only package importing paramiko. Connections, typed channels, one read loop, our own errors.

Host-key policy: a connection succeeds only when the server presents exactly the pinned key. An unknown key (none
pinned) or a changed key refuses the connection with both fingerprints in the message. Nothing is ever added
automatically; pinning is an explicit act (`fetch_host_key` or `parse_known_hosts_line`, then a service stores it).

Callers use `from remediation import ssh`: `ssh.connect` / `ssh.session` give a `Connection`, which opens an
`ExecChannel` (a command) or a `PtyChannel` (a shell); `ssh.drain` reads either to its end. Every paramiko or socket
error leaves the seam as an `SshError` subclass naming what failed (`errors.py`).
"""

from __future__ import annotations

from remediation.ssh.channels import (
    CHUNK,
    EOF_GRACE,
    OUTPUT_LIMIT,
    POLL,
    CommandResult,
    Connection,
    Drained,
    ExecChannel,
    PtyChannel,
    Readable,
    drain,
    run_command,
)
from remediation.ssh.connect import Target, Timeouts, check_reachable, connect, fetch_host_key, open_shell, session
from remediation.ssh.errors import (
    SshAuthFailed,
    SshChannelError,
    SshCommandTimeout,
    SshConnectTimeout,
    SshError,
    SshHandshakeFailed,
    SshHandshakeTimeout,
    SshHostKeyMismatch,
    SshTimeout,
    SshUnreachable,
)
from remediation.ssh.keys import (
    HostKey,
    PrivateKeyError,
    describe_private_key,
    fingerprint_of,
    load_private_key,
    parse_known_hosts_line,
)

__all__ = [
    "CHUNK",
    "EOF_GRACE",
    "OUTPUT_LIMIT",
    "POLL",
    "CommandResult",
    "Connection",
    "Drained",
    "ExecChannel",
    "HostKey",
    "PrivateKeyError",
    "PtyChannel",
    "Readable",
    "SshAuthFailed",
    "SshChannelError",
    "SshCommandTimeout",
    "SshConnectTimeout",
    "SshError",
    "SshHandshakeFailed",
    "SshHandshakeTimeout",
    "SshHostKeyMismatch",
    "SshTimeout",
    "SshUnreachable",
    "Target",
    "Timeouts",
    "check_reachable",
    "connect",
    "describe_private_key",
    "drain",
    "fetch_host_key",
    "fingerprint_of",
    "load_private_key",
    "open_shell",
    "parse_known_hosts_line",
    "run_command",
    "session",
]
