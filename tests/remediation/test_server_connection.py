"""Pinning host keys and testing connections of stored servers against a real sshd (API and service)."""

from __future__ import annotations

import json

import pytest

from remediation.actors import Actor
from remediation.models import AuditEvent, CredentialKind, Server
from remediation.services import credentials as credential_service
from remediation.services import inventory
from tests.factories import ServerFactory
from tests.sshd import SSHServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_ssh(settings):  # type: ignore[no-untyped-def]
    settings.SSH_CONNECT_TIMEOUT = 2.0
    settings.SSH_BANNER_TIMEOUT = 2.0
    settings.SSH_AUTH_TIMEOUT = 5.0
    return settings


def password_server(server: SSHServer, admin_user, password: str | None = None) -> Server:  # type: ignore[no-untyped-def]
    credential = credential_service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": f"pw-{server.port}", "kind": CredentialKind.SSH_PASSWORD},
        secrets={"password": password or server.password},
    )
    return ServerFactory(
        name=f"sshd-{server.port}",
        hostname=server.host,
        port=server.port,
        username=server.username,
        credential=credential,
    )


def stages(server: Server) -> dict[str, bool]:
    return {s["stage"]: s["ok"] for s in server.last_test_result}


def test_it_fetches_and_pins_the_host_key_through_the_api(api_as, admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = password_server(sshd, admin_user)
    response = api_as(admin_user).post(f"/api/v1/servers/{server.pk}/pin-host-key/", {}, format="json")
    assert response.status_code == 200
    server.refresh_from_db()
    expected = inventory.ssh.parse_known_hosts_line(sshd.known_hosts_line())
    assert response.json()["host_key_fingerprint"] == expected.fingerprint == server.host_key_fingerprint
    assert (server.host_key_pinned_by, response.json()["host_key_pinned_by"]) == (admin_user, "admin")
    event = AuditEvent.objects.get(action="server.host_key_pinned")
    assert event.after == {
        "host_key_type": "ssh-ed25519",
        "host_key_fingerprint": expected.fingerprint,
        "source": "fetched",
    }


def test_it_pins_a_pasted_line_and_refuses_an_unexpected_fingerprint(api_as, admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = password_server(sshd, admin_user)
    api = api_as(admin_user)
    wrong = api.post(
        f"/api/v1/servers/{server.pk}/pin-host-key/", {"expected_fingerprint": "SHA256:nope"}, format="json"
    )
    assert wrong.status_code == 409 and "not the expected SHA256:nope" in wrong.json()["detail"]
    assert not Server.objects.get(pk=server.pk).host_key
    pasted = api.post(
        f"/api/v1/servers/{server.pk}/pin-host-key/", {"known_hosts_line": sshd.known_hosts_line()}, format="json"
    )
    assert (
        pasted.status_code == 200
        and AuditEvent.objects.get(action="server.host_key_pinned").after["source"] == "pasted"
    )


def test_it_tests_a_good_connection_stage_by_stage(api_as, admin_user, sshd, fast_ssh, caplog) -> None:  # type: ignore[no-untyped-def]
    server = password_server(sshd, admin_user)
    server = inventory.pin_host_key(server, actor=Actor.of(admin_user))
    response = api_as(admin_user).post(f"/api/v1/servers/{server.pk}/test/")
    body = response.json()
    assert response.status_code == 200 and body["last_test_ok"] is True and body["connection_status"] == "ok"
    assert [s["stage"] for s in body["last_test_result"]] == ["reachability", "host_key", "auth", "command"]
    assert "Linux" in body["last_test_result"][-1]["detail"]
    assert body["last_test_at"]
    used = AuditEvent.objects.get(action="credential.used")
    assert used.after["purpose"] == "test connection"
    assert AuditEvent.objects.get(action="server.tested").after["ok"] is True
    everything = (
        caplog.text + response.content.decode() + json.dumps([[e.before, e.after] for e in AuditEvent.objects.all()])
    )
    assert sshd.password not in everything


def test_it_reports_an_unpinned_key_without_sending_credentials(admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = inventory.run_connection_test(password_server(sshd, admin_user), actor=Actor.of(admin_user))
    assert stages(server) == {"reachability": True, "host_key": False}
    assert "Not pinned" in server.last_test_result[-1]["detail"]
    assert not AuditEvent.objects.filter(action="credential.used").exists()


def test_it_reports_a_wrong_password_at_the_auth_stage(admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = password_server(sshd, admin_user, password="wrong-Password-1")
    server = inventory.pin_host_key(server, actor=Actor.of(admin_user))
    server = inventory.run_connection_test(server, actor=Actor.of(admin_user))
    assert stages(server) == {"reachability": True, "host_key": True, "auth": False}
    assert server.connection_status == "failed" and "wrong-Password-1" not in json.dumps(server.last_test_result)


def test_it_reports_a_changed_host_key_with_both_fingerprints(admin_user, own_sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = password_server(own_sshd, admin_user)
    server = inventory.pin_host_key(server, actor=Actor.of(admin_user))
    old = server.host_key_fingerprint
    own_sshd.restart(new_host_key=True)
    server = inventory.run_connection_test(server, actor=Actor.of(admin_user))
    new = inventory.ssh.parse_known_hosts_line(own_sshd.known_hosts_line()).fingerprint
    detail = server.last_test_result[-1]["detail"]
    assert stages(server)["host_key"] is False and old in detail and new in detail and "CHANGED" in detail
    assert not own_sshd.accepted_logins()


def test_it_reports_unreachable_and_silent_servers_within_the_timeout(
    admin_user, unreachable_port, blackhole_port, fast_ssh
) -> None:  # type: ignore[no-untyped-def]
    for port, stage in ((unreachable_port, "reachability"), (blackhole_port, "host_key")):
        server = ServerFactory(hostname="127.0.0.1", port=port)
        server = inventory.run_connection_test(server, actor=Actor.of(admin_user))
        assert server.last_test_result[-1]["stage"] == stage and server.last_test_ok is False
    assert "no SSH banner within 2s" in server.last_test_result[-1]["detail"]


def test_it_forgets_the_pinned_key_when_the_endpoint_moves(admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = inventory.pin_host_key(password_server(sshd, admin_user), actor=Actor.of(admin_user))
    server = inventory.update_server(server, actor=Actor.of(admin_user), data={"port": sshd.port + 1})
    assert not server.host_key and not server.host_key_pinned_at


def test_it_logs_in_with_a_stored_encrypted_key(admin_user, sshd, authorized_keys, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys["rsa_pem_encrypted"]
    credential = credential_service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "enc-key", "kind": CredentialKind.SSH_KEY},
        secrets={"private_key": key.private_text, "passphrase": key.passphrase},
    )
    server = ServerFactory(hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential)
    server = inventory.pin_host_key(server, actor=Actor.of(admin_user))
    assert inventory.run_connection_test(server, actor=Actor.of(admin_user)).last_test_ok is True


def test_it_opens_an_audited_session_to_an_enabled_server_only(admin_user, sshd, fast_ssh) -> None:  # type: ignore[no-untyped-def]
    server = inventory.pin_host_key(password_server(sshd, admin_user), actor=Actor.of(admin_user))
    with inventory.server_session(server, actor=Actor.of(admin_user), purpose="runbook 7") as client:
        assert inventory.ssh.run_command(client, "echo hello", timeout=10).stdout == "hello\n"
    assert AuditEvent.objects.get(action="credential.used").after["purpose"] == "runbook 7"
    server = inventory.update_server(server, actor=Actor.of(admin_user), data={"enabled": False})
    with (
        pytest.raises(inventory.InventoryError, match="disabled"),
        inventory.server_session(server, actor=Actor.of(admin_user), purpose="runbook 8"),
    ):
        pass
