"""Keys: parsing private keys (RSA, ECDSA, Ed25519; OpenSSH or PEM) and known_hosts lines, fingerprints."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass

import paramiko
from paramiko.pkey import UnknownKeyType

KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


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
