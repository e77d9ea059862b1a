"""Portal server list: readable by every role with view_server, shows connection status, never a secret."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from remediation.actors import Actor
from remediation.models import CredentialKind
from remediation.services import credentials as credential_service
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db
SECRET = "portal-Secret-Value-31"


def test_it_lists_servers_with_their_connection_status(client: Client, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    credential = credential_service.create_credential(
        actor=Actor.of(admin_user),
        fields={"name": "ops", "kind": CredentialKind.SSH_PASSWORD},
        secrets={"password": SECRET},
    )
    failed = [{"stage": "reachability", "ok": False, "detail": "127.0.0.1:1 is unreachable: Connection refused."}]
    ServerFactory(name="web-1", credential=credential, last_test_ok=True, last_test_at=timezone.now(), tags=["web"])
    ServerFactory(name="db-1", last_test_ok=False, last_test_at=timezone.now(), last_test_result=failed)
    client.force_login(viewer)
    page = client.get("/servers/")
    html = page.content.decode()
    assert page.status_code == 200 and "web-1" in html and "Connection refused" in html and "not pinned" in html
    assert SECRET not in html
    assert 'href="/servers/"' in html  # the navigation links the section now
    filtered = client.get("/servers/?status=ok").content.decode()
    assert "web-1" in filtered and "db-1" not in filtered


def test_it_refuses_users_without_the_view_permission(client: Client, stranger) -> None:  # type: ignore[no-untyped-def]
    client.force_login(stranger)
    assert client.get("/servers/").status_code == 403
    client.logout()
    assert client.get("/servers/").status_code == 302
