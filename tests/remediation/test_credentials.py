"""Credentials: encrypted at rest under CRYPTOGRAPHY_KEY, write-only, decrypted in one audited place, rotatable."""

from __future__ import annotations

import json
import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from remediation.actors import Actor
from remediation.models import AuditEvent, Credential, CredentialKind
from remediation.models.secrets import SealedSecret, SecretDecryptionError, unseal
from remediation.services import credentials as service
from tests.realparts import need_postgresql

pytestmark = pytest.mark.django_db
PASSWORD = "plain-Password-7f3k9"
TOKEN = "tok-Ab12Cd34Ef56Gh78"
NEW_KEY = "new-cryptography-key-" + "Lm4Nb6Vc8Xz0Qw2Er4Ty"


def raw_columns() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, private_key, passphrase, token, name FROM remediation_credential")
        return [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v or "").encode() for r in cursor for v in r]


def all_audit_text() -> str:
    return json.dumps([[e.before, e.after, e.reason, e.object_repr] for e in AuditEvent.objects.all()])


@pytest.fixture
def password_credential(admin_user) -> Credential:  # type: ignore[no-untyped-def]
    return service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "db-root", "kind": CredentialKind.SSH_PASSWORD},
        secrets={"password": PASSWORD},
    )


def test_it_stores_no_plaintext_in_the_raw_row(password_credential, admin_user) -> None:  # type: ignore[no-untyped-def]
    service.create_credential(
        actor=Actor.of(admin_user), fields={"name": "api", "kind": CredentialKind.API_TOKEN}, secrets={"token": TOKEN}
    )
    stored = b"".join(raw_columns())
    assert b"db-root" in stored  # the query reads the real rows
    for secret in (PASSWORD, TOKEN):
        assert secret.encode() not in stored


def test_it_stores_bytea_ciphertext_on_postgresql(password_credential) -> None:  # type: ignore[no-untyped-def]
    need_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_typeof(password)::text, encode(password, 'escape') FROM remediation_credential")
        kind, text = cursor.fetchone()
    assert kind == "bytea" and PASSWORD not in text


def test_it_loads_ciphertext_not_plaintext(password_credential) -> None:  # type: ignore[no-untyped-def]
    loaded = Credential.objects.get(pk=password_credential.pk)
    assert isinstance(loaded.password, SealedSecret)
    assert PASSWORD not in repr(loaded.password) + str(loaded.password) + repr(loaded.__dict__)
    assert loaded.secret_status() == {"password": True, "private_key": False, "passphrase": False, "token": False}


def test_it_keys_encryption_on_cryptography_key_not_secret_key(password_credential) -> None:  # type: ignore[no-untyped-def]
    sealed = Credential.objects.get(pk=password_credential.pk).password
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert unseal(sealed) == PASSWORD
    with override_settings(CRYPTOGRAPHY_KEY=NEW_KEY), pytest.raises(SecretDecryptionError):
        unseal(sealed)


def test_it_keeps_the_configured_key_visible_to_the_safety_checks() -> None:
    assert settings.CRYPTOGRAPHY_KEY == os.environ["CRYPTOGRAPHY_KEY"]


def test_it_decrypts_only_through_the_audited_use(password_credential, operator) -> None:  # type: ignore[no-untyped-def]
    secrets = service.use_credential(password_credential, actor=Actor.of(operator), purpose="runbook restart-nginx")
    assert secrets.password == PASSWORD and PASSWORD not in repr(secrets)
    event = AuditEvent.objects.get(action="credential.used")
    assert (event.actor_label, event.object_id) == ("operator", str(password_credential.pk))
    assert event.after == {"purpose": "runbook restart-nginx", "fields": ["password"]}
    assert PASSWORD not in all_audit_text()


def test_it_audits_changes_with_secrets_masked(password_credential, admin_user) -> None:  # type: ignore[no-untyped-def]
    service.update_credential(
        password_credential,
        actor=Actor.of(admin_user),
        fields={"description": "root"},
        secrets={"password": "Another-pw-99"},
    )
    updated = AuditEvent.objects.get(action="credential.updated")
    assert updated.before == {"description": ""}
    assert updated.after == {"description": "root", "changed": ["password"]}
    created = AuditEvent.objects.get(action="credential.created")
    assert created.after["stored"] == ["password"] and created.after["name"] == "db-root"
    assert unseal(Credential.objects.get(pk=password_credential.pk).password) == "Another-pw-99"
    assert PASSWORD not in all_audit_text() and "Another-pw-99" not in all_audit_text()


def test_it_keeps_a_secret_that_is_not_resubmitted_and_clears_on_request(admin_user, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys["ed25519_encrypted"]
    credential = service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "deploy-key", "kind": CredentialKind.SSH_KEY},
        secrets={"private_key": key.private_text, "passphrase": key.passphrase},
    )
    assert (credential.key_type, credential.key_fingerprint) == ("ssh-ed25519", key.fingerprint)
    service.update_credential(credential, actor=Actor.of(admin_user), fields={"description": "kept"})
    credential.refresh_from_db()
    assert credential.secret_status()["passphrase"] and credential.description == "kept"
    plain = authorized_keys["ed25519_openssh"]
    service.update_credential(
        credential,
        actor=Actor.of(admin_user),
        fields={},
        secrets={"private_key": plain.private_text},
        clear=["passphrase"],
    )
    credential.refresh_from_db()
    assert not credential.passphrase and credential.key_fingerprint == plain.fingerprint
    last = AuditEvent.objects.filter(action="credential.updated").first()
    assert last.before["stored"] == ["private_key", "passphrase"]
    assert (last.after["stored"], last.after["changed"], last.after["cleared"]) == (
        ["private_key"],
        ["private_key"],
        ["passphrase"],
    )


def test_it_refuses_an_unreadable_key_or_a_wrong_passphrase(admin_user, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    fields = {"name": "bad", "kind": CredentialKind.SSH_KEY}
    with pytest.raises(ValidationError, match="Not a supported private key"):
        service.create_credential(actor=Actor.of(admin_user), fields=fields, secrets={"private_key": "not a key"})
    key = authorized_keys["ed25519_encrypted"]
    with pytest.raises(ValidationError, match="could not be decrypted"):
        service.create_credential(
            actor=Actor.of(admin_user),
            fields=fields,
            secrets={"private_key": key.private_text, "passphrase": "wrong-one"},
        )
    assert not Credential.objects.exists()


def test_it_requires_the_secrets_of_each_kind(admin_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as missing:
        service.create_credential(
            actor=Actor.of(admin_user), fields={"name": "x", "kind": CredentialKind.BASIC_AUTH}, secrets={}
        )
    assert set(missing.value.message_dict) == {"password", "username"}
    with pytest.raises(ValidationError) as extra:
        service.create_credential(
            actor=Actor.of(admin_user),
            fields={"name": "x", "kind": CredentialKind.API_TOKEN},
            secrets={"token": "t", "password": "p"},
        )
    assert set(extra.value.message_dict) == {"password"}


def test_it_rotates_every_secret_and_round_trips(password_credential, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    old_key = settings.CRYPTOGRAPHY_KEY
    before = bytes(raw_columns()[0])
    report = service.rotate_encryption_key(old_key=old_key, new_key=NEW_KEY, actor=Actor.of("test"))
    assert (report.rotated, report.already_current) == (1, 0)
    assert bytes(raw_columns()[0]) != before
    settings.CRYPTOGRAPHY_KEY = NEW_KEY
    loaded = Credential.objects.get(pk=password_credential.pk)
    assert service.use_credential(loaded, actor=Actor.of(admin_user), purpose="check").password == PASSWORD
    again = service.rotate_encryption_key(old_key=old_key, new_key=NEW_KEY, actor=Actor.of("test"))
    assert (again.rotated, again.already_current) == (0, 1)
    back = service.rotate_encryption_key(old_key=NEW_KEY, new_key=old_key, actor=Actor.of("test"))
    settings.CRYPTOGRAPHY_KEY = old_key
    assert back.rotated == 1 and unseal(Credential.objects.get(pk=password_credential.pk).password) == PASSWORD


def test_it_changes_nothing_when_the_old_key_is_wrong(password_credential, admin_user) -> None:  # type: ignore[no-untyped-def]
    service.create_credential(
        actor=Actor.of(admin_user), fields={"name": "api", "kind": CredentialKind.API_TOKEN}, secrets={"token": TOKEN}
    )
    before = raw_columns()
    with pytest.raises(service.RotationRefused, match="2 stored secret"):
        service.rotate_encryption_key(old_key="wrong-old-key-" + "z" * 30, new_key=NEW_KEY, actor=Actor.of("test"))
    assert raw_columns() == before
    assert not AuditEvent.objects.filter(action="secrets.key_rotated").exists()


def test_it_rotates_from_the_command_with_keys_from_the_environment(password_credential, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEW_CRYPTOGRAPHY_KEY", NEW_KEY)
    out = __import__("io").StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "Re-encrypted 1 secret(s); 0 already" in out.getvalue()
    call_command("rotate_encryption_key", stdout=out)
    assert "Re-encrypted 0 secret(s); 1 already under the new key" in out.getvalue()
    monkeypatch.setenv("OLD_CRYPTOGRAPHY_KEY", "wrong-old-key-" + "z" * 30)
    monkeypatch.setenv("NEW_CRYPTOGRAPHY_KEY", "yet-another-key-" + "q" * 30)
    with pytest.raises(CommandError, match="Refused: 1 stored secret"):
        call_command("rotate_encryption_key", stdout=out)
    settings.CRYPTOGRAPHY_KEY = NEW_KEY
    assert unseal(Credential.objects.get(pk=password_credential.pk).password) == PASSWORD


def test_it_logs_no_secret_values(password_credential, operator, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    service.use_credential(password_credential, actor=Actor.of(operator), purpose="debug")
    service.update_credential(
        password_credential, actor=Actor.of(operator), fields={}, secrets={"password": "Rotated-pw-12"}
    )
    assert PASSWORD not in caplog.text and "Rotated-pw-12" not in caplog.text
