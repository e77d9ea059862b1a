"""What never leaves in a prompt: sensitive labels, credential and provider keys, secret-looking text."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ai.llm import plain_key
from ai.models import Provider, SensitiveLabel
from remediation.actors import Actor
from remediation.models import Credential
from remediation.redaction import mask_data
from remediation.services.credentials import use_credential

REDACTED = "[redacted]"


def sensitive_names() -> set[str]:
    """Label / annotation names marked sensitive in the admin or in AI_SENSITIVE_LABELS (lower case)."""
    names = {name.strip().lower() for name in settings.AI_SENSITIVE_LABELS if name.strip()}
    return names | set(SensitiveLabel.objects.values_list("name", flat=True))


def known_secret_values() -> list[str]:
    """Provider keys and credential secrets: masked wherever they turn up (alert text, chat messages)."""
    values = [plain_key(p.api_key) for p in Provider.objects.exclude(api_key=None)]
    for credential in Credential.objects.all():
        if any(credential.secret_status().values()):
            # The audited decryption: each use is recorded with its purpose, never the value.
            secrets = use_credential(credential, actor=Actor.system(), purpose="mask its values in an AI prompt")
            values += [v for v in (secrets.password, secrets.private_key, secrets.passphrase, secrets.token) if v]
    return [value for value in values if value]


def _drop_sensitive(value: Any, names: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in names else _drop_sensitive(item, names) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_drop_sensitive(item, names) for item in value]
    return value


def redact(data: Any, *, names: set[str] | None = None, secrets: list[str] | None = None) -> Any:
    """A copy of prompt data with sensitive keys replaced, then secret-named keys and secret-looking text masked."""
    names = sensitive_names() if names is None else names
    secrets = known_secret_values() if secrets is None else secrets
    return mask_data(_drop_sensitive(data, names), secrets)
