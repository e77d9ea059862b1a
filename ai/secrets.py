"""The encrypted API-key field of providers (django-cryptography's Fernet, keyed by CRYPTOGRAPHY_KEY alone).

Not django-cryptography's `encrypt()` field: importing it rewrites settings.CRYPTOGRAPHY_KEY with a derived key
(falling back to SECRET_KEY when unset), which blinds the startup checks for a missing key, and it signs with
SECRET_KEY, so rotating the Django secret would destroy every stored key. The format (PBKDF2 salt, iterations,
Fernet construction) is the one of the credential secrets, so the key-rotation command can cover these values.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import models

# Keep the configured key: the library's AppConf overwrites the setting on import (see above).
_CONFIGURED_KEY = settings.CRYPTOGRAPHY_KEY
from django_cryptography.core.signing import BadSignature, FernetSigner  # noqa: E402
from django_cryptography.utils.crypto import FernetBytes, InvalidToken, pbkdf2  # noqa: E402

settings.CRYPTOGRAPHY_KEY = _CONFIGURED_KEY

KDF_SALT = b"remediation.secrets.v1"
KDF_ITERATIONS = 200_000


class SecretKeyMissing(Exception):
    """CRYPTOGRAPHY_KEY is not configured, or a stored value does not open with it."""


@functools.lru_cache(maxsize=4)
def _fernet(key: str) -> FernetBytes:
    material = pbkdf2(key, KDF_SALT, KDF_ITERATIONS, dklen=64)
    return FernetBytes(material[:32], FernetSigner(material[32:]))


def _current() -> FernetBytes:
    key = getattr(settings, "CRYPTOGRAPHY_KEY", None)
    if not key or not isinstance(key, str):
        raise SecretKeyMissing("CRYPTOGRAPHY_KEY is not set; secrets cannot be encrypted or decrypted.")
    return _fernet(key)


class EncryptedTextField(models.BinaryField):
    """Text stored encrypted at rest (never in plain text in the database, dumps or backups)."""

    description = "Encrypted text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not value:
            return None
        return connection.Database.Binary(_current().encrypt(str(value).encode("utf-8")))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if value is None:
            return ""
        try:
            return _current().decrypt(bytes(value)).decode("utf-8")
        except (BadSignature, InvalidToken, ValueError) as exc:
            raise SecretKeyMissing("A stored secret does not open with CRYPTOGRAPHY_KEY.") from exc

    def to_python(self, value: Any) -> Any:
        return value or ""

    def value_to_string(self, obj: models.Model) -> str:
        return ""  # never serialised (dumpdata, admin history)
