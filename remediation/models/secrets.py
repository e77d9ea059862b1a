"""Encrypted secret fields: the only module importing django_cryptography.

Values are sealed with django-cryptography's Fernet construction (AES-CBC + HMAC-SHA256). Both keys are derived
from ``CRYPTOGRAPHY_KEY`` alone: the library's defaults would sign with ``SECRET_KEY`` (so rotating the Django
secret would destroy every stored credential) and cannot take an explicit old/new key for rotation.
A loaded row holds a ``SealedSecret`` (ciphertext), never plaintext; ``unseal`` is called only by the audited
``remediation.services.credentials.use_secret``.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import models

# Importing django_cryptography runs its AppConf, which overwrites settings.CRYPTOGRAPHY_KEY with a key derived
# from it (or from SECRET_KEY when unset). Keep the configured value so the safety checks and this module see it.
_CONFIGURED_KEY = settings.CRYPTOGRAPHY_KEY
from django_cryptography.core.signing import BadSignature, FernetSigner  # noqa: E402
from django_cryptography.utils.crypto import FernetBytes, InvalidToken, pbkdf2  # noqa: E402

settings.CRYPTOGRAPHY_KEY = _CONFIGURED_KEY

KDF_SALT = b"remediation.secrets.v1"
KDF_ITERATIONS = 200_000


class SecretDecryptionError(Exception):
    """A sealed value could not be opened with the given key (wrong key or damaged data)."""


class SealedSecret:
    """Ciphertext of one secret; prints as a placeholder so it cannot leak through repr or templates."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: bytes) -> None:
        self.ciphertext = bytes(ciphertext)

    def __repr__(self) -> str:
        return "<SealedSecret>"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.ciphertext)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SealedSecret) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)


def current_key() -> str:
    """The configured CRYPTOGRAPHY_KEY (refuses to work without one)."""
    key = getattr(settings, "CRYPTOGRAPHY_KEY", None)
    if not key or not isinstance(key, str):
        raise SecretDecryptionError("CRYPTOGRAPHY_KEY is not set; secrets cannot be encrypted or decrypted.")
    return key


@functools.lru_cache(maxsize=8)
def _fernet(key: str) -> FernetBytes:
    material = pbkdf2(key, KDF_SALT, KDF_ITERATIONS, dklen=64)
    return FernetBytes(material[:32], FernetSigner(material[32:]))


def seal(plaintext: str, *, key: str | None = None) -> SealedSecret:
    """Encrypt a secret under `key` (default: the configured key)."""
    return SealedSecret(_fernet(key or current_key()).encrypt(plaintext.encode("utf-8")))


def unseal(sealed: SealedSecret, *, key: str | None = None) -> str:
    """Decrypt a sealed secret; raises SecretDecryptionError. Call only from the audited credential service."""
    try:
        return _fernet(key or current_key()).decrypt(sealed.ciphertext).decode("utf-8")
    except (BadSignature, InvalidToken, ValueError) as exc:
        raise SecretDecryptionError("The stored secret cannot be decrypted with this key.") from exc


class EncryptedSecretField(models.BinaryField):
    """A text secret stored encrypted; the attribute is a SealedSecret (assigning a str seals it on save)."""

    description = "Encrypted secret"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not value:
            return None
        if isinstance(value, str):
            value = seal(value)
        if not isinstance(value, SealedSecret):
            raise TypeError("EncryptedSecretField takes a str or a SealedSecret.")
        return connection.Database.Binary(value.ciphertext)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> SealedSecret | None:
        return None if value is None else SealedSecret(bytes(value))

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return ""
