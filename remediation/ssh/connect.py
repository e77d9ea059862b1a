"""Connecting: TCP, the SSH handshake with the pinned host key, authentication; failures translated."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import paramiko

from remediation.ssh.channels import Connection, PtyChannel
from remediation.ssh.errors import (
    SshAuthFailed,
    SshConnectTimeout,
    SshError,
    SshHandshakeFailed,
    SshHandshakeTimeout,
    SshHostKeyMismatch,
    SshUnreachable,
)
from remediation.ssh.keys import HostKey, PrivateKeyError, fingerprint_of, load_private_key


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


def _open_socket(host: str, port: int, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as exc:
        raise SshConnectTimeout(f"{host}:{port} did not accept a TCP connection within {timeout:g}s.") from exc
    except OSError as exc:
        raise SshUnreachable(f"{host}:{port} is unreachable: {exc.strerror or exc}.") from exc


def check_reachable(host: str, port: int, *, timeout: float) -> None:
    """Open and close a TCP connection; raises SshUnreachable."""
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
        cause = transport.saved_exception or exc
        raise _handshake_error(f"{host}:{port} did not complete an SSH handshake", cause, timeouts) from exc
    finally:
        transport.close()


def _presented_key(transport: paramiko.Transport, address: str, timeouts: Timeouts) -> HostKey:
    if not transport.is_active() or transport.host_key is None:
        raise paramiko.SSHException(f"no key exchange within {timeouts.banner + timeouts.auth:g}s")
    key = transport.get_remote_server_key()
    return HostKey(key.get_name(), key.get_base64())


def _handshake_error(what: str, exc: BaseException, timeouts: Timeouts) -> SshHandshakeFailed:
    text = str(exc) or type(exc).__name__
    if "banner" in text.lower():
        return SshHandshakeTimeout(f"{what}: no SSH banner within {timeouts.banner:g}s ({text}).")
    if isinstance(exc, TimeoutError) or "timeout" in text.lower():
        return SshHandshakeTimeout(f"{what}: {text}.")
    return SshHandshakeFailed(f"{what}: {text}.")


class _PinnedKeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]  # paramiko has no type hints
    """Called by paramiko when the presented key is not the pinned one: always refuse, naming both keys."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        presented = fingerprint_of(key.asbytes())
        raise _refusal(self.target, presented, key.get_name())


def _refusal(target: Target, presented: str, presented_type: str) -> SshHostKeyMismatch:
    name = target.label or target.address
    pinned = target.pinned_key
    if pinned is None:
        return SshHostKeyMismatch(
            f"Host key of {name} is not pinned; the server presented {presented_type} {presented}. "
            "Pin it explicitly (fetch and pin, or paste a known_hosts line) after checking it.",
            pinned="",
            presented=presented,
        )
    return SshHostKeyMismatch(
        f"HOST KEY CHANGED for {name}: pinned {pinned.key_type} {pinned.fingerprint}, server presented "
        f"{presented_type} {presented}. Connection refused; re-pin only if the change is expected.",
        pinned=pinned.fingerprint,
        presented=presented,
    )


def _known_name(target: Target) -> str:
    return target.host if target.port == 22 else f"[{target.host}]:{target.port}"


def connect(target: Target, *, timeouts: Timeouts | None = None) -> Connection:
    """An authenticated connection to `target`, or the SshError subclass of the stage that failed. Caller closes it."""
    timeouts = timeouts or Timeouts()
    pkey = None
    if target.private_key:
        try:
            pkey = load_private_key(target.private_key, target.passphrase)
        except PrivateKeyError as exc:
            raise SshAuthFailed(str(exc)) from exc
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
    return Connection(client, channel_timeout=timeouts.auth)


def _translate(target: Target, exc: BaseException, timeouts: Timeouts) -> BaseException:
    name = target.label or target.address
    if isinstance(exc, SshError):
        return exc
    if isinstance(exc, paramiko.BadHostKeyException):
        return _refusal(target, fingerprint_of(exc.key.asbytes()), exc.key.get_name())
    if isinstance(exc, paramiko.AuthenticationException):
        return SshAuthFailed(f"Authentication as {target.username!r} on {name} failed: {exc}.")
    if isinstance(exc, (paramiko.SSHException, EOFError, TimeoutError, OSError)):
        return _handshake_error(f"SSH handshake with {name} failed", exc, timeouts)
    return exc


@contextlib.contextmanager
def session(target: Target, *, timeouts: Timeouts | None = None) -> Iterator[Connection]:
    """`with session(target) as connection:` — connect, yield, always close."""
    connection = connect(target, timeouts=timeouts)
    try:
        yield connection
    finally:
        connection.close()


def open_shell(
    target: Target, *, term: str, cols: int, rows: int, environment: Mapping[str, str], timeouts: Timeouts
) -> PtyChannel:
    """Connect and start a login shell on a PTY; the channel owns the connection. Raises SshError."""
    connection = connect(target, timeouts=timeouts)
    try:
        return connection.shell(term=term, cols=cols, rows=rows, environment=environment)
    except BaseException:
        connection.close()
        raise
