"""Credentials: write-only secrets, the one audited decryption, and re-encryption under a new key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction

from remediation import ssh
from remediation.actors import Actor
from remediation.models import Credential, CredentialKind
from remediation.models.inventory import SECRET_FIELDS
from remediation.models.secrets import EncryptedSecretField, SecretDecryptionError, seal, unseal
from remediation.services.audit import diff, record_event, snapshot

CREDENTIAL_FIELDS = ("name", "kind", "username", "description", "allowed_origins")


class CredentialUnavailable(Exception):
    """A credential's secrets cannot be used (missing or not decryptable with the configured key)."""


@dataclass(frozen=True)
class Secrets:
    """Decrypted secrets of one credential, for the caller's immediate use only (never stored or logged)."""

    kind: str
    username: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


def use_credential(credential: Credential, *, actor: Actor, purpose: str) -> Secrets:
    """The one place secrets are decrypted; audits `credential.used` with the purpose (never the value)."""
    present = [name for name in SECRET_FIELDS if getattr(credential, name)]
    record_event(
        actor=actor,
        action="credential.used",
        obj=credential,
        after={"purpose": purpose, "fields": present},
    )
    try:
        values = {name: unseal(getattr(credential, name)) for name in present}
    except SecretDecryptionError as exc:
        raise CredentialUnavailable(f"Credential {credential.name!r} cannot be decrypted: {exc}") from exc
    return Secrets(kind=credential.kind, username=credential.username, **values)


def _audit_snapshot(credential: Credential) -> dict[str, Any]:
    """Plain fields plus the *names* of stored secrets (the audit masks any key named like a secret)."""
    data = snapshot(credential, fields=(*CREDENTIAL_FIELDS, "key_type", "key_fingerprint"))
    data["stored"] = [name for name, present in credential.secret_status().items() if present]
    return data


def _describe_key(credential: Credential, secrets: Mapping[str, str], *, actor: Actor) -> None:
    """Check a new SSH key / passphrase pair opens, and record the key's type and fingerprint."""
    if credential.kind != CredentialKind.SSH_KEY or not ({"private_key", "passphrase"} & set(secrets)):
        return
    stored: Secrets | None = None
    if credential.pk and ("private_key" not in secrets or ("passphrase" not in secrets and credential.passphrase)):
        stored = use_credential(credential, actor=actor, purpose="validate the private key")
    key_text = secrets.get("private_key") or (stored.private_key if stored else None) or ""
    passphrase = secrets["passphrase"] if "passphrase" in secrets else (stored.passphrase if stored else None)
    if not key_text:
        return  # full_clean reports the missing key
    try:
        credential.key_type, credential.key_fingerprint = ssh.describe_private_key(key_text, passphrase)
    except ssh.PrivateKeyError as exc:
        raise ValidationError({"private_key": str(exc)}) from exc


def _apply(
    credential: Credential,
    fields: Mapping[str, Any],
    secrets: Mapping[str, str],
    clear: Iterable[str],
    *,
    actor: Actor,
) -> dict[str, str]:
    """Set plain fields, seal replaced secrets and clear the named ones; returns {field: 'changed'} marks."""
    for name in CREDENTIAL_FIELDS:
        if name in fields:
            setattr(credential, name, fields[name])
    secrets = {k: v for k, v in secrets.items() if k in SECRET_FIELDS and v}
    _describe_key(credential, secrets, actor=actor)
    marks = {}
    for name in clear:
        if name in SECRET_FIELDS and name not in secrets and getattr(credential, name):
            setattr(credential, name, None)
            marks[name] = "cleared"
    for name, value in secrets.items():
        setattr(credential, name, seal(value))
        marks[name] = "changed"
    if credential.kind != CredentialKind.SSH_KEY or not credential.private_key:
        credential.key_type = credential.key_fingerprint = ""
    credential.full_clean()
    return marks


def validate_credential(
    credential: Credential | None,
    *,
    actor: Actor,
    fields: Mapping[str, Any],
    secrets: Mapping[str, str],
    clear: Iterable[str] = (),
) -> None:
    """Check a create/update would succeed, on a copy (what a form calls before the real write)."""
    copy = Credential.objects.get(pk=credential.pk) if credential and credential.pk else Credential()
    _apply(copy, fields, secrets, clear, actor=actor)


@transaction.atomic
def create_credential(
    *,
    actor: Actor,
    fields: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> Credential:
    """Create a credential; raises ValidationError. Audited with secrets shown as 'set', never their values."""
    credential = Credential()
    _apply(credential, fields, secrets, (), actor=actor)
    credential.save()
    after = _audit_snapshot(credential)
    record_event(
        actor=actor,
        action="credential.created",
        obj=credential,
        after=after,
        known_secrets=secrets.values(),
    )
    return credential


@transaction.atomic
def update_credential(
    credential: Credential,
    *,
    actor: Actor,
    fields: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
    clear: Iterable[str] = (),
) -> Credential:
    """Change fields, replace or clear secrets; the audit diff marks replaced secrets as 'changed'."""
    secrets = secrets or {}
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    before = _audit_snapshot(credential)
    marks = _apply(credential, fields, secrets, clear, actor=actor)
    credential.save()
    old, new = diff(before, _audit_snapshot(credential))
    new = dict(new or {})
    for mark in ("changed", "cleared"):
        names = sorted(name for name, how in marks.items() if how == mark)
        if names:
            new[mark] = names
    if old or new:
        record_event(
            actor=actor,
            action="credential.updated",
            obj=credential,
            before=old,
            after=new,
            known_secrets=secrets.values(),
        )
    return credential


@transaction.atomic
def delete_credential(credential: Credential, *, actor: Actor) -> None:
    """Delete an unused credential (servers using it protect it)."""
    # Recorded first (with the row's id and name), in the same transaction: a refused delete leaves no event.
    record_event(actor=actor, action="credential.deleted", obj=credential, before=_audit_snapshot(credential))
    credential.delete()


class RotationRefused(Exception):
    """Some stored secret opens with neither the old nor the new key; nothing was changed."""


@dataclass
class RotationReport:
    rotated: int = 0
    already_current: int = 0
    failures: list[str] = field(default_factory=list)


def _encrypted_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedSecretField)
    ]


def rotate_encryption_key(*, old_key: str, new_key: str, actor: Actor) -> RotationReport:
    """Re-encrypt every stored secret from `old_key` to `new_key` in one transaction (idempotent).

    A value that already opens with the new key is left alone, so a second run is harmless; a value that opens
    with neither key refuses the whole rotation before anything is written.
    """
    if not old_key or not new_key or old_key == new_key:
        raise RotationRefused("Give two different keys (the old one and the new one).")
    report = RotationReport()
    with transaction.atomic():
        updates: list[tuple[type[models.Model], Any, dict[str, Any]]] = []
        for model, name in _encrypted_fields():
            rows = model._default_manager.select_for_update().exclude(**{f"{name}__isnull": True})
            for pk, sealed in rows.values_list("pk", name):
                new_value = _reseal(sealed, old_key, new_key, report, f"{model._meta.label}#{pk}.{name}")
                if new_value is not None:
                    updates.append((model, pk, {name: new_value}))
        if report.failures:
            raise RotationRefused(
                f"{len(report.failures)} stored secret(s) open with neither key; nothing was changed: "
                + ", ".join(report.failures[:20])
            )
        for model, pk, values in updates:
            model._default_manager.filter(pk=pk).update(**values)
        record_event(
            actor=actor,
            action="secrets.key_rotated",
            object_type="remediation.credential",
            after={"rotated": report.rotated, "already_current": report.already_current},
        )
    return report


def _reseal(sealed: Any, old_key: str, new_key: str, report: RotationReport, where: str) -> Any:
    try:
        plaintext = unseal(sealed, key=old_key)
    except SecretDecryptionError:
        try:
            unseal(sealed, key=new_key)
        except SecretDecryptionError:
            report.failures.append(where)
        else:
            report.already_current += 1
        return None
    report.rotated += 1
    return seal(plaintext, key=new_key)
