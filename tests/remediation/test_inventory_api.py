"""Inventory API: permission matrix (role × read/write/secret), filters, write-only secrets, pin/test actions."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from remediation.actors import Actor
from remediation.choices import Role
from remediation.models import AuditEvent, Credential, CredentialKind, Server
from remediation.services import credentials as credential_service
from tests.factories import ServerFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET = "api-Secret-Value-93kd"
ROLES = ["admin_user", "admin_role", "operator", "approver", "viewer", "stranger"]
MANAGERS = {"admin_user", "admin_role"}
SERVER_READERS = MANAGERS | {"operator", "approver", "viewer"}


@pytest.fixture
def admin_role(db):  # type: ignore[no-untyped-def]
    """Admin through the role only (not a superuser), so the group's permissions are what is tested."""
    user = UserFactory(username="admin-role")
    user.groups.add(Group.objects.get(name=Role.ADMIN.value))
    return user


@pytest.fixture
def credential(admin_user) -> Credential:  # type: ignore[no-untyped-def]
    return credential_service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "ops", "kind": CredentialKind.SSH_PASSWORD},
        secrets={"password": SECRET},
    )


@pytest.fixture
def server(credential) -> Server:  # type: ignore[no-untyped-def]
    return ServerFactory(name="web-1", credential=credential, tags=["web"], aliases=["web-1.example.com"])


def client_for(request, role: str) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(role))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_each_role_read_servers_only_if_allowed(request, role: str, server: Server) -> None:  # type: ignore[no-untyped-def]
    client = client_for(request, role)
    listing = client.get("/api/v1/servers/")
    detail = client.get(f"/api/v1/servers/{server.pk}/")
    expected = 200 if role in SERVER_READERS else 403
    assert (listing.status_code, detail.status_code) == (expected, expected)
    if expected == 200:
        assert detail.json()["credential_name"] == "ops" and SECRET not in listing.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_admins_write_servers(request, role: str, server: Server, credential) -> None:  # type: ignore[no-untyped-def]
    client = client_for(request, role)
    allowed = role in MANAGERS
    body = {"name": f"new-{role}", "hostname": "10.0.0.5", "username": "deploy", "credential": credential.pk}
    assert client.post("/api/v1/servers/", body, format="json").status_code == (201 if allowed else 403)
    patch = client.patch(f"/api/v1/servers/{server.pk}/", {"description": "x"}, format="json")
    assert patch.status_code == (200 if allowed else 403)
    pin = client.post(f"/api/v1/servers/{server.pk}/pin-host-key/", {"known_hosts_line": "x"}, format="json")
    assert pin.status_code == (400 if allowed else 403)
    imported = client.post("/api/v1/servers/import/", {"format": "yaml", "content": "[]"}, format="json")
    assert imported.status_code == (400 if allowed else 403)
    assert client.delete(f"/api/v1/servers/{server.pk}/").status_code == (204 if allowed else 403)
    assert Server.objects.filter(pk=server.pk).exists() is not allowed


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_admins_read_and_write_credentials(request, role: str, credential) -> None:  # type: ignore[no-untyped-def]
    client = client_for(request, role)
    allowed = role in MANAGERS
    assert client.get("/api/v1/credentials/").status_code == (200 if allowed else 403)
    assert client.get(f"/api/v1/credentials/{credential.pk}/").status_code == (200 if allowed else 403)
    body = {"name": f"c-{role}", "kind": "api_token", "token": "tok-" + role}
    assert client.post("/api/v1/credentials/", body, format="json").status_code == (201 if allowed else 403)
    patch = client.patch(f"/api/v1/credentials/{credential.pk}/", {"description": "x"}, format="json")
    assert patch.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role", ROLES)
def test_it_never_returns_a_secret_to_any_role(request, role: str, credential, server) -> None:  # type: ignore[no-untyped-def]
    client = client_for(request, role)
    responses = [
        client.get("/api/v1/credentials/"),
        client.get(f"/api/v1/credentials/{credential.pk}/"),
        client.get(f"/api/v1/credentials/{credential.pk}/?fields=password"),
        client.get("/api/v1/servers/"),
        client.get(f"/api/v1/servers/{server.pk}/"),
        client.patch(f"/api/v1/credentials/{credential.pk}/", {"password": "Replaced-" + SECRET}, format="json"),
        client.get(f"/api/v1/credentials/{credential.pk}/reveal/"),
    ]
    for response in responses:
        text = response.content.decode()
        assert SECRET not in text and "gAAAA" not in text
        if response.status_code == 200 and response.request["PATH_INFO"].startswith("/api/v1/credentials/"):
            body = response.json()
            items = body["results"] if "results" in body else [body]
            assert all(set(item) & {"password", "private_key", "passphrase", "token"} == set() for item in items)
            assert all(item["secrets"]["password"] == "set" for item in items)
    assert responses[-1].status_code in (403, 404)
    assert AuditEvent.objects.filter(action="credential.used").count() == 0


def test_it_replaces_and_clears_secrets_through_the_api(api_as, admin_user, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys["ecdsa_pem"]
    api = api_as(admin_user)
    created = api.post(
        "/api/v1/credentials/", {"name": "k", "kind": "ssh_key", "private_key": key.private_text}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secrets"] == {"password": "not set", "private_key": "set", "passphrase": "not set", "token": "not set"}
    assert body["key_fingerprint"] == key.fingerprint and "BEGIN" not in created.content.decode()
    bad = api.patch(f"/api/v1/credentials/{body['id']}/", {"private_key": "junk"}, format="json")
    assert bad.status_code == 400 and "private_key" in bad.json()["errors"]
    cleared = api.patch(f"/api/v1/credentials/{body['id']}/", {"clear": ["private_key"]}, format="json")
    assert cleared.status_code == 400  # an SSH key credential needs its key
    token = api.post("/api/v1/credentials/", {"name": "t", "kind": "api_token", "token": SECRET}, format="json")
    assert token.json()["secrets"]["token"] == "set"
    audit = json.dumps([[e.before, e.after] for e in AuditEvent.objects.all()])
    assert SECRET not in audit and "BEGIN" not in audit


def test_it_refuses_to_delete_a_credential_in_use(api_as, admin_user, server, credential) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).delete(f"/api/v1/credentials/{credential.pk}/")
    assert response.status_code == 400 and "still use" in str(response.json())
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_it_filters_and_searches_servers(api_as, viewer, server) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="db-1", environment="staging", enabled=False, tags=["db"])
    api = api_as(viewer)

    def names(query: str) -> list[str]:
        return [s["name"] for s in api.get("/api/v1/servers/" + query).json()["results"]]

    assert names("") == ["db-1", "web-1"]
    assert names("?environment=staging") == ["db-1"]
    assert names("?tag=web") == ["web-1"]
    assert names("?enabled=false") == ["db-1"]
    assert names("?status=disabled") == ["db-1"] and names("?status=untested") == ["web-1"]
    assert names("?q=example.com") == ["web-1"]
    assert names(f"?credential={server.credential_id}") == ["web-1"]


def test_it_validates_server_input(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "x", "hostname": "root@host", "username": "u", "port": 70000, "tags": ["ok", "bad tag"]}
    response = api_as(admin_user).post("/api/v1/servers/", body, format="json")
    assert response.status_code == 400 and "port" in response.json()["errors"]
    body["port"] = 22
    response = api_as(admin_user).post("/api/v1/servers/", body, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"hostname"}
    body["hostname"] = "host.example.com"
    response = api_as(admin_user).post("/api/v1/servers/", body, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"tags"}
    assert not Server.objects.exists()


def test_it_audits_server_changes_with_diffs(api_as, admin_user, server) -> None:  # type: ignore[no-untyped-def]
    api_as(admin_user).patch(f"/api/v1/servers/{server.pk}/", {"port": 2222, "tags": ["web", "edge"]}, format="json")
    event = AuditEvent.objects.get(action="server.updated")
    assert event.before == {"port": 22, "tags": ["web"]} and event.after == {"port": 2222, "tags": ["edge", "web"]}
    api_as(admin_user).delete(f"/api/v1/servers/{server.pk}/")
    deleted = AuditEvent.objects.get(action="server.deleted")
    assert deleted.before["name"] == "web-1" and deleted.before["login_with"] == "ops"


def test_it_lists_servers_and_credentials_within_a_query_budget(
    api_as, admin_user, credential, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(20):
        ServerFactory(name=f"s{n}", credential=credential, host_key_pinned_by=admin_user)
    api = api_as(admin_user)
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/servers/").json()["results"]) == 20
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/credentials/").status_code == 200
