"""Webhook test helpers: the captured payloads, a token, and a poster over the real HTTP stack (Django test client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from remediation.services.webhook_tokens import create_webhook_token

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


@pytest.fixture
def webhook_token(db) -> str:  # type: ignore[no-untyped-def]
    _, raw = create_webhook_token("alertmanager-test", actor="system")
    return raw


@pytest.fixture
def post_hook(webhook_token: str):  # type: ignore[no-untyped-def]
    """post_hook(body: dict | bytes, token=...) → response."""
    client = Client()

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
