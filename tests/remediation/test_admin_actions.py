"""Admin actions declare the permission they need, and the services behind them check the actor themselves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from ai.models import Provider
from ai.services.providers import probe_provider
from alerts.models import WebhookToken
from alerts.services.webhook_tokens import revoke_webhook_token
from remediation.actors import Actor
from remediation.models import AuditEvent
from tests.factories import ProviderFactory, ServerFactory, WebhookTokenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_viewer(viewer):  # type: ignore[no-untyped-def]
    viewer.is_staff = True
    viewer.save()
    return viewer


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _act(client: Client, url: str, action: str, pk: int):  # type: ignore[no-untyped-def]
    return client.post(url, {"action": action, "_selected_action": [pk], "index": "0"})


def test_it_does_not_let_a_staff_viewer_revoke_a_webhook_token(staff_viewer, role_admin) -> None:  # type: ignore[no-untyped-def]
    token = WebhookTokenFactory()
    client = _client(staff_viewer)
    page = client.get("/admin/alerts/webhooktoken/")
    assert page.status_code == 200 and 'value="revoke"' not in page.content.decode()
    _act(client, "/admin/alerts/webhooktoken/", "revoke", token.pk)
    assert WebhookToken.objects.get(pk=token.pk).revoked_at is None
    with pytest.raises(PermissionDenied):
        revoke_webhook_token(token, actor=Actor.of(staff_viewer))
    assert not AuditEvent.objects.filter(action="webhook_token.revoked").exists()
    _act(_client(role_admin), "/admin/alerts/webhooktoken/", "revoke", token.pk)
    assert WebhookToken.objects.get(pk=token.pk).revoked_at is not None


def test_it_hides_providers_and_their_test_from_view_only_staff(staff_viewer, role_admin) -> None:  # type: ignore[no-untyped-def]
    provider = ProviderFactory(api_base="http://127.0.0.1:9/v1")
    client = _client(staff_viewer)
    assert client.get("/admin/ai/provider/").status_code == 403
    assert client.get(f"/admin/ai/provider/{provider.pk}/change/").status_code == 403
    assert _act(client, "/admin/ai/provider/", "test_providers", provider.pk).status_code == 403
    with pytest.raises(PermissionDenied):
        probe_provider(provider, actor=Actor.of(staff_viewer))
    assert Provider.objects.get(pk=provider.pk).health_checked_at is None
    admin_page = _client(role_admin).get("/admin/ai/provider/")
    assert admin_page.status_code == 200 and 'value="test_providers"' in admin_page.content.decode()


def test_it_offers_server_actions_only_with_their_permissions(staff_viewer) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory()
    client = _client(staff_viewer)
    page = client.get("/admin/remediation/server/").content.decode()
    assert 'value="test_connection"' not in page and 'value="fetch_and_pin_host_key"' not in page
    _act(client, "/admin/remediation/server/", "test_connection", server.pk)
    server.refresh_from_db()
    assert server.last_test_at is None
