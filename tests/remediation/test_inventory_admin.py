"""Admin of servers and credentials: write-only secrets, service-backed writes, pin and test actions."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from remediation.actors import Actor
from remediation.models import AuditEvent, Credential, CredentialKind, Server
from remediation.models.secrets import unseal
from remediation.services import credentials as credential_service
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db
SECRET = "admin-Secret-Value-55xq"


@pytest.fixture
def staff(client: Client, admin_user) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


@pytest.fixture
def credential(admin_user) -> Credential:  # type: ignore[no-untyped-def]
    return credential_service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "ops", "kind": CredentialKind.SSH_PASSWORD},
        secrets={"password": SECRET},
    )


def test_it_shows_set_or_not_set_never_the_value(staff: Client, credential) -> None:  # type: ignore[no-untyped-def]
    pages = [
        staff.get("/admin/remediation/credential/"),
        staff.get(f"/admin/remediation/credential/{credential.pk}/change/"),
        staff.get("/admin/remediation/server/"),
    ]
    for page in pages:
        assert page.status_code == 200 and SECRET not in page.content.decode()
    assert "password: set" in pages[1].content.decode()


def test_it_creates_keeps_and_clears_secrets_through_the_service(staff: Client) -> None:
    form = {"name": "api", "kind": "api_token", "username": "", "description": "", "token": SECRET}
    assert staff.post("/admin/remediation/credential/add/", form).status_code == 302
    credential = Credential.objects.get(name="api")
    assert unseal(credential.token) == SECRET
    url = f"/admin/remediation/credential/{credential.pk}/change/"
    assert staff.post(url, {**form, "token": "", "description": "kept"}).status_code == 302
    credential.refresh_from_db()
    assert unseal(credential.token) == SECRET and credential.description == "kept"
    refused = staff.post(url, {**form, "token": "", "clear": ["token"]})
    assert refused.status_code == 200 and "needs a token" in refused.content.decode()
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["credential.created", "credential.updated"]
    assert SECRET not in str([[e.before, e.after] for e in AuditEvent.objects.all()])


def test_it_refuses_an_invalid_key_in_the_form(staff: Client) -> None:
    form = {"name": "k", "kind": "ssh_key", "username": "", "description": "", "private_key": "junk"}
    response = staff.post("/admin/remediation/credential/add/", form)
    assert response.status_code == 200 and "Not a supported private key" in response.content.decode()
    assert not Credential.objects.exists()


def test_it_creates_a_server_and_pins_a_pasted_key(staff: Client, credential, sshd) -> None:  # type: ignore[no-untyped-def]
    form = {
        "name": "web-1",
        "hostname": sshd.host,
        "port": sshd.port,
        "username": sshd.username,
        "credential": credential.pk,
        "environment": "production",
        "tags": '["web"]',
        "aliases": "[]",
        "description": "",
        "enabled": "on",
        "known_hosts_line": sshd.known_hosts_line(),
    }
    response = staff.post("/admin/remediation/server/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    server = Server.objects.get(name="web-1")
    assert server.host_key_fingerprint and server.tags == ["web"]
    assert {"server.created", "server.host_key_pinned"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_it_pins_and_tests_from_admin_actions(staff: Client, admin_user, sshd, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SSH_CONNECT_TIMEOUT = settings.SSH_BANNER_TIMEOUT = 2.0
    credential = credential_service.create_credential(
        actor=Actor.of(admin_user), fields={"name": "pw", "kind": "ssh_password"}, secrets={"password": sshd.password}
    )
    server = ServerFactory(hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential)
    url = "/admin/remediation/server/"
    # First the fingerprint the server presents, to confirm; nothing is pinned yet.
    shown = staff.post(url, {"action": "fetch_and_pin_host_key", "_selected_action": [server.pk]})
    page = shown.content.decode()
    keygen = ["ssh-keygen", "-l", "-E", "sha256", "-f", str(sshd.host_key_path.with_suffix(".pub"))]
    fingerprint = subprocess.run(keygen, capture_output=True, text=True, check=True).stdout.split()[1]
    assert shown.status_code == 200 and fingerprint in page and "Pin the checked keys" in page
    server.refresh_from_db()
    assert server.host_key_fingerprint == ""
    # Not ticked: nothing pinned. A fingerprint that is not the one presented: refused.
    confirm = {"action": "fetch_and_pin_host_key", "_selected_action": [server.pk], "confirm": "yes"}
    assert "not confirmed" in staff.post(url, confirm, follow=True).content.decode()
    wrong = staff.post(url, {**confirm, f"fingerprint-{server.pk}": "SHA256:someoneelse"}, follow=True)
    assert "nothing pinned" in wrong.content.decode()
    server.refresh_from_db()
    assert server.host_key_fingerprint == ""
    pinned = staff.post(url, {**confirm, f"fingerprint-{server.pk}": fingerprint}, follow=True)
    server.refresh_from_db()
    assert server.host_key_fingerprint == fingerprint and fingerprint in pinned.content.decode()
    tested = staff.post(url, {"action": "test_connection", "_selected_action": [server.pk]}, follow=True)
    server.refresh_from_db()
    assert server.last_test_ok is True and "command: ok" in tested.content.decode()
    assert sshd.password not in tested.content.decode()


def test_it_hides_the_actions_from_users_without_the_permissions(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    page = client.get("/admin/remediation/server/")
    assert page.status_code == 200 and "fetch_and_pin_host_key" not in page.content.decode()
    assert client.get("/admin/remediation/credential/").status_code == 403


@pytest.mark.parametrize(
    "line",
    [
        "web-1 ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests",  # an unknown key type
        "web-1 ssh-ed25519 not-base64!",
        "just one word",
    ],
)
def test_it_keeps_the_form_with_an_error_for_a_bad_known_hosts_line(staff: Client, line: str) -> None:
    form = {
        "name": "web-1",
        "hostname": "127.0.0.1",
        "port": "22",
        "username": "deploy",
        "environment": "production",
        "tags": "web",
        "aliases": "",
        "enabled": "on",
        "known_hosts_line": line,
    }
    response = staff.post("/admin/remediation/server/add/", form)
    page = response.content.decode()
    assert response.status_code == 200 and 'class="errorlist' in page
    assert "known_hosts" in page.lower() or "key type" in page
    assert 'value="web-1"' in page and line.split()[-1].replace("!", "") in page  # what was typed is kept
    assert not Server.objects.exists()


def test_it_takes_tags_and_aliases_as_comma_separated_lists(staff: Client) -> None:
    form = {
        "name": "web-2",
        "hostname": "127.0.0.1",
        "port": "22",
        "username": "deploy",
        "environment": "production",
        "tags": "lab, disk",
        "aliases": "Web-2.example.test\nweb2",
        "enabled": "on",
    }
    response = staff.post("/admin/remediation/server/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    server = Server.objects.get(name="web-2")
    assert server.tags == ["disk", "lab"] and server.aliases == ["web-2.example.test", "web2"]
    page = staff.get(f"/admin/remediation/server/{server.pk}/change/").content.decode()
    assert 'value="disk, lab"' in page  # shown back as a list, not as JSON


def test_the_credential_form_knows_which_inputs_each_kind_uses(staff: Client) -> None:
    page = staff.get("/admin/remediation/credential/add/").content.decode()
    assert "js/admin-credential.js" in page and "data-kind-fields" in page
    from remediation.admin.inventory import kind_fields

    assert kind_fields() == {
        "ssh_password": ["password"],
        "ssh_key": ["private_key", "passphrase"],
        "api_token": ["token", "allowed_origins"],
        "basic_auth": ["password", "allowed_origins"],
    }
