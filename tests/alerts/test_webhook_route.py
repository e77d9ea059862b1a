"""The webhook's ASGI route (what Daphne serves) and the per-process caches it leans on for speed."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.cache import cache
from django.utils import timezone

from alerts.asgi import WebhookRoute
from alerts.models import Alert, Decision, WebhookToken
from alerts.services import rules, webhook_tokens
from remediation.actors import Actor
from tests.factories import RuleFactory, RuleMatcherFactory
from tests.webhooks import AsgiHookClient, payload_bytes

pytestmark = pytest.mark.django_db


def test_it_hands_every_other_request_to_django() -> None:
    seen: list[str] = []

    async def django(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    route = WebhookRoute(django)
    for path in ["/healthz", "/hooks/alertmanager", "/hooks/alertmanager/x", "/api/v1/alerts/"]:
        response = async_to_sync(HttpCommunicator(route, "GET", path).get_response)()
        assert response["status"] == 204
    assert seen == ["/healthz", "/hooks/alertmanager", "/hooks/alertmanager/x", "/api/v1/alerts/"]


def test_it_echoes_a_sane_request_id_and_replaces_an_unsafe_one(webhook_token: str) -> None:
    client = AsgiHookClient()
    auth = f"Bearer {webhook_token}"
    body = payload_bytes("am_firing_3alerts")
    sane = client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth, HTTP_X_REQUEST_ID="am-delivery.42")
    assert (sane.status_code, sane["X-Request-ID"]) == (202, "am-delivery.42")
    unsafe = client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth, HTTP_X_REQUEST_ID="a b\r\nX-Evil: 1")
    assert unsafe.status_code == 202
    assert len(unsafe["X-Request-ID"]) == 32 and "evil" not in str(unsafe.headers).lower()
    assert unsafe["Content-Type"] == "application/json" and unsafe["X-Content-Type-Options"] == "nosniff"


def test_it_stops_a_token_revoked_elsewhere_within_the_cache_time(webhook_token: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = [1000.0]
    monkeypatch.setattr(webhook_tokens.time, "monotonic", lambda: clock[0])
    client = AsgiHookClient()
    auth = f"Bearer {webhook_token}"
    body = payload_bytes("am_firing_3alerts")
    assert client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth).status_code == 202
    # Another process revokes it (no local notice): this one may accept for at most TOKEN_CACHE_SECONDS more.
    WebhookToken.objects.update(revoked_at=timezone.now())
    clock[0] += webhook_tokens.TOKEN_CACHE_SECONDS - 0.5
    assert client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth).status_code == 202
    clock[0] += 1.0
    assert client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth).status_code == 401


def test_it_stops_a_token_revoked_in_this_process_at_once(
    webhook_token: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = AsgiHookClient()
    auth = f"Bearer {webhook_token}"
    body = payload_bytes("am_firing_3alerts")
    assert client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        webhook_tokens.revoke_webhook_token(WebhookToken.objects.get(), actor=Actor.of("system"))
    assert client.post("/hooks/alertmanager/", body, HTTP_AUTHORIZATION=auth).status_code == 401


def test_it_sees_a_rule_changed_by_another_process_within_a_second(post_hook, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = [5000.0]
    monkeypatch.setattr(rules.time, "monotonic", lambda: clock[0])
    assert post_hook(payload_bytes("am_firing_3alerts")).status_code == 202  # compiles the (empty) rule set
    rule = RuleFactory(action="record")
    RuleMatcherFactory(rule=rule, name="severity", op="=~", value=".+")
    # Make the new rule look like another process's change: this process keeps its old copy (the factory reset it)
    # and only the shared version moves, as invalidate_rules() elsewhere would move it.
    rules._compiled.update(version=cache.get(rules.VERSION_KEY), rules=(), checked_at=clock[0])
    cache.set(rules.VERSION_KEY, "bumped-by-another-process")
    Alert.objects.all().delete()
    assert post_hook(payload_bytes("am_firing_3alerts")).status_code == 202
    assert not Decision.objects.filter(rule=rule).exists()  # still trusting its copy
    clock[0] += rules.RECHECK_SECONDS + 0.1
    Alert.objects.all().delete()
    assert post_hook(payload_bytes("am_firing_3alerts")).status_code == 202
    assert Decision.objects.filter(rule=rule).count() == 3
