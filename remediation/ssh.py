"""The SSH seam: the one place paramiko clients are created (timeouts, key loading, keepalive, pinned host keys).

Host-key policy: a connection succeeds only when the server presents exactly the pinned key. An unknown key (none
pinned) or a changed key refuses the connection with both fingerprints in the message. Nothing is ever added
automatically; pinning is an explicit act (`fetch_host_key` or `parse_known_hosts_line`, then a service stores it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import paramiko
from paramiko.pkey import UnknownKeyType

# Callers type connections as ssh.Client, so no other module needs to import paramiko.
Client = paramiko.SSHClient
KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)
OUTPUT_LIMIT = 64 * 1024


class SSHError(Exception):
    """A connection or command failed; `stage` is one of reachability, host_key, auth, command."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message


class HostKeyRefused(SSHError):
    """The server's host key is not the pinned one (or none is pinned)."""

    def __init__(self, message: str, *, pinned: str, presented: str) -> None:
        super().__init__("host_key", message)
        self.pinned_fingerprint = pinned
        self.presented_fingerprint = presented


class PrivateKeyError(ValueError):
    """A private key could not be parsed or decrypted."""


@dataclass(frozen=True)
class HostKey:
    """A public host key: its type (e.g. ssh-ed25519) and base64 blob."""

    key_type: str
    key_base64: str

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(base64.b64decode(self.key_base64))

    def to_pkey(self) -> paramiko.PKey:
        return paramiko.PKey.from_type_string(self.key_type, base64.b64decode(self.key_base64))


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for TCP connect, the SSH banner, authentication, and between keepalives."""

    connect: float = 10.0
    banner: float = 10.0
    auth: float = 15.0
    keepalive: int = 30


@dataclass(frozen=True)
class Target:
    """Everything needed to open one connection; secrets are already decrypted by the credential service."""

    host: str
    port: int
    username: str
    pinned_key: HostKey | None
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    label: str = ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def fingerprint_of(blob: bytes) -> str:
    """OpenSSH-style SHA256 fingerprint of a public key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _try_load(text: str, passphrase: str | None) -> paramiko.PKey | None:
    """The key, None when no key class parses it; PasswordRequiredException when it is encrypted."""
    encrypted = False
    for cls in KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(text.strip() + "\n"), password=passphrase or None)
        except paramiko.PasswordRequiredException:
            encrypted = True
        except (paramiko.SSHException, ValueError, TypeError, IndexError):
            continue
    if encrypted:
        raise paramiko.PasswordRequiredException("encrypted")
    return None


def load_private_key(text: str, passphrase: str | None = None) -> paramiko.PKey:
    """Parse an RSA, ECDSA or Ed25519 private key (OpenSSH or PEM format), decrypting it with `passphrase`."""
    try:
        key = _try_load(text, passphrase)
    except paramiko.PasswordRequiredException:
        raise PrivateKeyError("The private key is encrypted; a passphrase is required.") from None
    if key is not None:
        return key
    if passphrase and _is_encrypted(text):
        raise PrivateKeyError("The private key could not be decrypted with the given passphrase.")
    raise PrivateKeyError("Not a supported private key (RSA, ECDSA or Ed25519 in OpenSSH or PEM format).")


def _is_encrypted(text: str) -> bool:
    try:
        _try_load(text, None)
    except paramiko.PasswordRequiredException:
        return True
    return False


def describe_private_key(text: str, passphrase: str | None = None) -> tuple[str, str]:
    """(key type, public key fingerprint) of a private key; raises PrivateKeyError."""
    key = load_private_key(text, passphrase)
    return key.get_name(), fingerprint_of(key.asbytes())


def parse_known_hosts_line(line: str) -> HostKey:
    """The key of one known_hosts / ssh-keyscan line (`[host]:port type base64 [comment]` or `type base64`)."""
    parts = line.strip().split()
    if parts and parts[0].startswith("@"):
        raise ValueError("Markers such as @cert-authority or @revoked are not supported; paste a plain key line.")
    unknown = ""
    for start in (0, 1):
        if len(parts) >= start + 2:
            key_type, blob = parts[start], parts[start + 1]
            try:
                key = HostKey(key_type, blob)
                key.to_pkey()
                return key
            except (ValueError, TypeError, paramiko.SSHException, base64.binascii.Error):  # type: ignore[attr-defined]
                continue
            except UnknownKeyType:  # not an SSHException: paramiko raises a bare Exception subclass
                unknown = unknown or key_type
    if unknown and unknown.startswith(("ssh-", "ecdsa-", "sk-")):
        raise ValueError(f"Unknown host key type {unknown[:40]!r}; expected e.g. ssh-ed25519, ecdsa-sha2-nistp256.")
    raise ValueError("Not a known_hosts line: expected '<host> <key type> <base64 key>' or '<key type> <base64 key>'.")


def _open_socket(host: str, port: int, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as exc:
        raise SSHError("reachability", f"{host}:{port} did not accept a TCP connection within {timeout:g}s.") from exc
    except OSError as exc:
        raise SSHError("reachability", f"{host}:{port} is unreachable: {exc.strerror or exc}.") from exc


def check_reachable(host: str, port: int, *, timeout: float) -> None:
    """Open and close a TCP connection; raises SSHError(stage='reachability')."""
    _open_socket(host, port, timeout).close()


def fetch_host_key(host: str, port: int, *, timeouts: Timeouts | None = None) -> HostKey:
    """The host key the server presents (key exchange only, no authentication)."""
    timeouts = timeouts or Timeouts()
    sock = _open_socket(host, port, timeouts.connect)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeouts.banner
    try:
        # The negotiation bound must outlast the banner wait, or a silent server reports a vaguer error.
        transport.start_client(timeout=timeouts.banner + timeouts.auth)
        return _presented_key(transport, f"{host}:{port}", timeouts)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        cause = _translate_reason(transport.saved_exception or exc, timeouts)
        raise SSHError("handshake", f"{host}:{port} did not complete an SSH handshake: {cause}.") from exc
    finally:
        transport.close()


def _presented_key(transport: paramiko.Transport, address: str, timeouts: Timeouts) -> HostKey:
    if not transport.is_active() or transport.host_key is None:
        raise paramiko.SSHException(f"no key exchange within {timeouts.banner + timeouts.auth:g}s")
    key = transport.get_remote_server_key()
    return HostKey(key.get_name(), key.get_base64())


def _translate_reason(exc: BaseException, timeouts: Timeouts) -> str:
    text = str(exc) or type(exc).__name__
    if "banner" in text.lower():
        return f"no SSH banner within {timeouts.banner:g}s ({text})"
    return text


class _PinnedKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Called by paramiko when the presented key is not the pinned one: always refuse, naming both keys."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        presented = fingerprint_of(key.asbytes())
        raise _refusal(self.target, presented, key.get_name())


def _refusal(target: Target, presented: str, presented_type: str) -> HostKeyRefused:
    name = target.label or target.address
    pinned = target.pinned_key
    if pinned is None:
        return HostKeyRefused(
            f"Host key of {name} is not pinned; the server presented {presented_type} {presented}. "
            "Pin it explicitly (fetch and pin, or paste a known_hosts line) after checking it.",
            pinned="",
            presented=presented,
        )
    return HostKeyRefused(
        f"HOST KEY CHANGED for {name}: pinned {pinned.key_type} {pinned.fingerprint}, server presented "
        f"{presented_type} {presented}. Connection refused; re-pin only if the change is expected.",
        pinned=pinned.fingerprint,
        presented=presented,
    )


def _known_name(target: Target) -> str:
    return target.host if target.port == 22 else f"[{target.host}]:{target.port}"


def connect(target: Target, *, timeouts: Timeouts | None = None) -> paramiko.SSHClient:
    """An authenticated client for `target`, or SSHError naming the stage that failed. Caller closes it."""
    timeouts = timeouts or Timeouts()
    pkey = None
    if target.private_key:
        try:
            pkey = load_private_key(target.private_key, target.passphrase)
        except PrivateKeyError as exc:
            raise SSHError("auth", str(exc)) from exc
    sock = _open_socket(target.host, target.port, timeouts.connect)
    client = paramiko.SSHClient()
    if target.pinned_key is not None:
        client.get_host_keys().add(_known_name(target), target.pinned_key.key_type, target.pinned_key.to_pkey())
    client.set_missing_host_key_policy(_PinnedKeyPolicy(target))
    try:
        client.connect(
            target.host,
            port=target.port,
            username=target.username,
            password=target.password or None,
            pkey=pkey,
            sock=sock,
            # With our own socket this only bounds key exchange; it must outlast the banner wait to report it.
            timeout=timeouts.banner + timeouts.auth,
            banner_timeout=timeouts.banner,
            auth_timeout=timeouts.auth,
            channel_timeout=timeouts.auth,
            allow_agent=False,
            look_for_keys=False,
        )
    except BaseException as exc:
        # The transport thread keeps the real cause (e.g. a banner timeout); connect() may raise a later symptom.
        cause = getattr(client.get_transport(), "saved_exception", None) or exc
        client.close()
        sock.close()
        raise _translate(target, cause, timeouts) from exc
    transport = client.get_transport()
    if transport is not None and timeouts.keepalive:
        transport.set_keepalive(timeouts.keepalive)
    return client


def _translate(target: Target, exc: BaseException, timeouts: Timeouts) -> BaseException:
    name = target.label or target.address
    if isinstance(exc, SSHError):
        return exc
    if isinstance(exc, paramiko.BadHostKeyException):
        return _refusal(target, fingerprint_of(exc.key.asbytes()), exc.key.get_name())
    if isinstance(exc, paramiko.AuthenticationException):
        return SSHError("auth", f"Authentication as {target.username!r} on {name} failed: {exc}.")
    if isinstance(exc, (paramiko.SSHException, EOFError, TimeoutError, OSError)):
        return SSHError("handshake", f"SSH handshake with {name} failed: {_translate_reason(exc, timeouts)}.")
    return exc


@contextlib.contextmanager
def session(target: Target, *, timeouts: Timeouts | None = None) -> Iterator[paramiko.SSHClient]:
    """`with session(target) as client:` — connect, yield, always close."""
    client = connect(target, timeouts=timeouts)
    try:
        yield client
    finally:
        client.close()


def run_command(client: paramiko.SSHClient, command: str, *, timeout: float) -> CommandResult:
    """Run one command (no PTY) and collect exit code and output (each capped at OUTPUT_LIMIT bytes)."""
    try:
        _stdin, stdout, stderr = client.exec_command(command, timeout=timeout)
        out = stdout.read(OUTPUT_LIMIT).decode("utf-8", "replace")
        err = stderr.read(OUTPUT_LIMIT).decode("utf-8", "replace")
        code = stdout.channel.recv_exit_status()
    except (paramiko.SSHException, TimeoutError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        raise SSHError("command", f"Command did not complete within {timeout:g}s: {reason}.") from exc
    return CommandResult(exit_code=code, stdout=out, stderr=err)
