"""Inventory: credentials (secrets encrypted at rest) and the servers runbooks and terminals connect to."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from remediation.models.secrets import EncryptedSecretField
from remediation.net import origin_of

HOSTNAME_PATTERN = re.compile(
    r"^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]+:[0-9a-fA-F:.]*|[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?)$"
)
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/=-]*$")


class CredentialKind(models.TextChoices):
    SSH_PASSWORD = "ssh_password", "SSH password"
    SSH_KEY = "ssh_key", "SSH private key"
    API_TOKEN = "api_token", "API token"
    BASIC_AUTH = "basic_auth", "Basic auth"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    DEVELOPMENT = "development", "Development"
    TEST = "test", "Test"


# Which secret fields each kind uses (required first, optional after) and which it must not carry.
SECRET_FIELDS = ("password", "private_key", "passphrase", "token")
KIND_SECRETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    CredentialKind.SSH_PASSWORD: (("password",), ()),
    CredentialKind.SSH_KEY: (("private_key",), ("passphrase",)),
    CredentialKind.API_TOKEN: (("token",), ()),
    CredentialKind.BASIC_AUTH: (("password",), ()),
}
SSH_KINDS = (CredentialKind.SSH_PASSWORD, CredentialKind.SSH_KEY)


class Credential(models.Model):
    """A named secret (SSH password or key, API token, basic auth); secret fields are encrypted and write-only."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=CredentialKind.choices)
    username = models.CharField(max_length=150, blank=True, help_text="Basic-auth user name (SSH uses the server's).")
    description = models.TextField(blank=True)
    password = EncryptedSecretField()
    private_key = EncryptedSecretField()
    passphrase = EncryptedSecretField()
    token = EncryptedSecretField()
    key_type = models.CharField(max_length=40, blank=True, help_text="Type of the stored private key.")
    key_fingerprint = models.CharField(max_length=100, blank=True, help_text="SHA256 fingerprint of its public key.")
    # Where an HTTP step may send this credential: it is attached only to a request whose URL has one of these
    # origins (scheme://host:port); with none, HTTP steps never send it. SSH credentials go only to the servers
    # that name them, so they need none.
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text="Origins HTTP steps may send it to, e.g. https://api.example.com:443."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def secret_status(self) -> dict[str, bool]:
        """Which secret fields hold a value (what the API and admin show instead of the values)."""
        return {name: bool(getattr(self, name)) for name in SECRET_FIELDS}

    def clean(self) -> None:
        required, optional = KIND_SECRETS.get(self.kind, ((), ()))
        errors: dict[str, str] = {}
        origins = [] if self.allowed_origins is None else self.allowed_origins
        if not isinstance(origins, list) or not all(isinstance(o, str) and origin_of(o) for o in origins):
            errors["allowed_origins"] = "A list of origins like https://api.example.com (http or https, a host)."
        else:
            self.allowed_origins = sorted({origin_of(o) for o in origins})
        for name in required:
            if not getattr(self, name):
                errors[name] = f"A {self.get_kind_display()} credential needs a {name.replace('_', ' ')}."
        for name in SECRET_FIELDS:
            if name not in required + optional and getattr(self, name):
                errors[name] = f"A {self.get_kind_display()} credential does not use a {name.replace('_', ' ')}."
        if self.kind == CredentialKind.BASIC_AUTH and not self.username:
            errors["username"] = "Basic auth needs a user name."
        if errors:
            raise ValidationError(errors)


def _clean_labels(values: Any, field: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError({field: "Must be a list of strings."})
    bad = [v for v in values if not LABEL_PATTERN.match(v) or len(v) > 100]
    if bad:
        raise ValidationError({field: f"Not valid: {', '.join(bad[:5])} (letters, digits and . _ : / = - only)."})
    return sorted(set(values))


class Server(models.Model):
    """An SSH target: address, login, credential, labels, pinned host key and the last connection test."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255, help_text="DNS name or IP address used to connect.")
    port = models.PositiveIntegerField(default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    username = models.CharField(max_length=100)
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="servers")
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.PRODUCTION)
    tags = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names alerts use for this host.")
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    host_key_type = models.CharField(max_length=40, blank=True)
    host_key = models.TextField(blank=True, help_text="Pinned public host key (base64).")
    host_key_fingerprint = models.CharField(max_length=100, blank=True)
    host_key_pinned_at = models.DateTimeField(null=True, blank=True)
    host_key_pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_result = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("pin_host_key", "Can fetch and pin a server's SSH host key"),
            ("test_server", "Can test the connection to a server"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def host_key_pinned(self) -> bool:
        return bool(self.host_key)

    @property
    def connection_status(self) -> str:
        """disabled · untested · ok · failed (from the last connection test)."""
        if not self.enabled:
            return "disabled"
        if self.last_test_ok is None:
            return "untested"
        return "ok" if self.last_test_ok else "failed"

    def clean(self) -> None:
        self.hostname = (self.hostname or "").strip()
        if not HOSTNAME_PATTERN.match(self.hostname):
            raise ValidationError({"hostname": "Enter a host name or IP address (no user@ or :port)."})
        self.tags = _clean_labels(self.tags, "tags")
        self.aliases = [a.lower() for a in _clean_labels(self.aliases, "aliases")]
        if self.credential is not None and self.credential.kind not in SSH_KINDS:
            raise ValidationError({"credential": "A server needs an SSH password or SSH key credential."})
