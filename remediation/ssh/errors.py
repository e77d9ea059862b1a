"""The SSH seam's errors: every paramiko and socket failure leaves the seam as one of these."""

from __future__ import annotations


class SshError(Exception):
    """An SSH connection or channel failed; `stage` says where: reachability, handshake, host_key, auth, command."""

    stage = "command"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def detail(self) -> str:
        """The stage and the message, as shown to people: `auth: Authentication as 'deploy' on web-1 failed: …`."""
        return f"{self.stage}: {self.message}"


class SshUnreachable(SshError):
    """No TCP connection to the server's address and port."""

    stage = "reachability"


class SshHandshakeFailed(SshError):
    """TCP connected, but no SSH session was negotiated (not an SSH server, silent, dropped the connection)."""

    stage = "handshake"


class SshHostKeyMismatch(SshError):
    """The server's host key is not the pinned one (or none is pinned): refused before any credential is sent."""

    stage = "host_key"

    def __init__(self, message: str, *, pinned: str, presented: str) -> None:
        super().__init__(message)
        self.pinned_fingerprint = pinned
        self.presented_fingerprint = presented


class SshAuthFailed(SshError):
    """The server refused the credential, or the private key could not be loaded or decrypted."""

    stage = "auth"


class SshChannelError(SshError):
    """Logged in, but a channel could not be opened, started, read or written (the connection went away)."""

    stage = "command"


class SshTimeout(SshError):
    """Something did not happen in time; the concrete class also says at which stage."""


class SshConnectTimeout(SshUnreachable, SshTimeout):
    """No TCP connection within the connect timeout."""


class SshHandshakeTimeout(SshHandshakeFailed, SshTimeout):
    """No SSH banner or key exchange within its timeout."""


class SshCommandTimeout(SshChannelError, SshTimeout):
    """A command did not finish within its timeout."""
