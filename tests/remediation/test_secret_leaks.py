"""One sweep for every secret kind: not in raw rows, API responses, admin pages, captured logs or audit data."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from remediation.actors import Actor
from remediation.models import AuditEvent, CredentialKind
from remediation.services import credentials as credential_service
from remediation.services import inventory
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


def test_it_leaks_no_secret_anywhere(
    admin_user, sshd, authorized_keys, api_as, client: Client, caplog, settings
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG")
    settings.SSH_CONNECT_TIMEOUT = settings.SSH_BANNER_TIMEOUT = 2.0
    key = authorized_keys["ed25519_encrypted"]
    made = [
        ("pw", CredentialKind.SSH_PASSWORD, {"password": sshd.password}, ""),
        ("key", CredentialKind.SSH_KEY, {"private_key": key.private_text, "passphrase": key.passphrase}, ""),
        ("tok", CredentialKind.API_TOKEN, {"token": "tok-Leak-Check-5521"}, ""),
        ("basic", CredentialKind.BASIC_AUTH, {"password": "basic-Leak-Check-77"}, "svc"),
    ]
    credentials = [
        credential_service.create_credential(
            actor=Actor.of(admin_user), fields={"name": n, "kind": k, "username": u}, secrets=s
        )
        for n, k, s, u in made
    ]
    values = [v for _n, _k, s, _u in made for v in s.values()]
    body_lines = [line for line in key.private_text.splitlines() if "-----" not in line]
    for credential in credentials[:2]:
        server = ServerFactory(hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential)
        inventory.run_connection_test(
            inventory.pin_host_key(server, actor=Actor.of(admin_user)), actor=Actor.of(admin_user)
        )
    assert AuditEvent.objects.filter(action="server.tested", after__ok=True).count() == 2

    api = api_as(admin_user)
    outputs = [api.get(url).content.decode() for url in ("/api/v1/credentials/", "/api/v1/servers/")]
    outputs += [api.get(f"/api/v1/credentials/{c.pk}/").content.decode() for c in credentials]
    client.force_login(admin_user)
    outputs += [client.get(f"/admin/remediation/credential/{c.pk}/change/").content.decode() for c in credentials]
    outputs += [client.get(url).content.decode() for url in ("/admin/remediation/server/", "/servers/")]
    outputs.append(caplog.text)
    outputs.append(json.dumps([[e.before, e.after, e.reason] for e in AuditEvent.objects.all()]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, private_key, passphrase, token FROM remediation_credential")
        raw = b"".join(bytes(v) for row in cursor.fetchall() for v in row if v is not None)
    for value in values:
        assert not any(value in text for text in outputs), "a secret value leaked"
        assert value.encode() not in raw
    assert not any(line in text for line in body_lines for text in outputs)
