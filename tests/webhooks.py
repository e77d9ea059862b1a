"""Webhook test helpers: the captured payloads, a token, and a poster over either transport of the webhook.

`hook_client` is Django's test client (the WSGI view) unless a test module overrides it with `asgi_hook_client`s
parameters, which run the same requests through `alerts.asgi.WebhookRoute` — what Daphne serves in production.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator
from django.test import Client

from alerts.asgi import WebhookRoute
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


@pytest.fixture
def webhook_token(db) -> str:  # type: ignore[no-untyped-def]
    # Unrestricted, as tokens from before scopes were migrated; tests/alerts/test_sources.py covers scoped ones.
    _, raw = create_webhook_token(
        "alertmanager-test", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True}
    )
    return raw


class AsgiResponse:
    """The parts of a Django test response the webhook tests read."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.headers = {name.decode().lower(): value.decode() for name, value in headers}
        self.content = body

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def json(self) -> Any:
        return json.loads(self.content)


class AsgiHookClient:
    """Posts like Django's test client, through the production ASGI route (`HTTP_*` keywords become headers).

    The delivery runs in the calling thread (thread-sensitive), so it sees the test's database transaction;
    only the thread pool itself is left to the tests against a real Daphne.
    """

    def __init__(self) -> None:
        async def fallback(scope: dict[str, Any], receive: Any, send: Any) -> None:
            raise AssertionError(f"the webhook route passed {scope['path']} to Django")

        self.app = WebhookRoute(fallback, run_sync=lambda function: sync_to_async(function, thread_sensitive=True)())

    def request(self, method: str, path: str, body: bytes, content_type: str, extra: dict[str, str]) -> AsgiResponse:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        for key, value in extra.items():
            assert key.startswith("HTTP_"), key
            headers.append((key[5:].lower().replace("_", "-").encode(), value.encode()))
        communicator = HttpCommunicator(self.app, method, path, body=body, headers=headers)
        response = async_to_sync(communicator.get_response)()
        return AsgiResponse(response["status"], response["headers"], response["body"])

    def post(self, path: str, data: bytes = b"", content_type: str = "application/json", **extra: str) -> AsgiResponse:
        return self.request("POST", path, data, content_type, extra)

    def get(self, path: str, **extra: str) -> AsgiResponse:
        return self.request("GET", path, b"", "", extra)


@pytest.fixture
def hook_client() -> Client:
    return Client()


@pytest.fixture(params=["wsgi-view", "asgi-route"])
def both_hook_clients(request):  # type: ignore[no-untyped-def]
    """For a module's `hook_client` override: every test there runs through both transports."""
    return Client() if request.param == "wsgi-view" else AsgiHookClient()


@pytest.fixture
def post_hook(webhook_token: str, hook_client):  # type: ignore[no-untyped-def]
    """post_hook(body: dict | bytes, token=...) → response."""
    client = hook_client

    def post(body: Any, token: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token or webhook_token}"} if token != "" else {}
        return client.post("/hooks/alertmanager/", data=data, content_type="application/json", **auth, **headers)

    return post


@pytest.fixture
def task_queue():  # type: ignore[no-untyped-def]
    """The real django-q2 broker (ORM on SQLite runs, Redis on PostgreSQL runs), emptied; call it for the tasks."""
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker = get_broker()
    broker.purge_queue()

    def queued() -> list[dict[str, Any]]:
        if hasattr(broker.connection, "lrange"):
            payloads = broker.connection.lrange(broker.list_key, 0, -1)
        else:
            payloads = [row.payload for row in broker.get_connection().filter(key=broker.list_key)]
        return [SignedPackage.loads(p) for p in payloads]

    yield queued
    broker.purge_queue()
