"""Concurrent deliveries of the same payload (PostgreSQL): one episode each, effects queued exactly once."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from alerts.models import ActionRequest, Alert, Decision
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
from tests.factories import RuleFactory, RuleMatcherFactory
from tests.realparts import need_postgresql
from tests.webhooks import payload_bytes

pytestmark = pytest.mark.django_db(transaction=True)
SENDERS = 12


def _deliver_in_parallel(body: bytes, token: str) -> list[Any]:
    """Each thread has its own database connection (Django connections are per thread) and its own client."""
    barrier = threading.Barrier(SENDERS)
    results: list[Any] = [None] * SENDERS

    def send(index: int) -> None:
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                "/hooks/alertmanager/", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            results[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(("name", "alerts"), [("am_firing_3alerts", 3), ("am_firing_100alerts_1group", 100)])
def test_it_creates_one_episode_and_queues_once_under_parallel_delivery(task_queue, settings, name, alerts) -> None:  # type: ignore[no-untyped-def]
    need_postgresql()
    settings.WEBHOOK_RATE_LIMIT = "100000/m"
    rule = RuleFactory(name="analyze-node", action="analyze")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    _, token = create_webhook_token(
        "parallel", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True}
    )
    results = _deliver_in_parallel(payload_bytes(name), token)
    assert [status for status, _ in results] == [202] * SENDERS
    assert sum(body["created"] for _, body in results) == alerts
    assert sum(body["updated"] for _, body in results) == alerts * (SENDERS - 1)
    assert Alert.objects.count() == alerts
    assert set(Alert.objects.values_list("receive_count", flat=True)) == {SENDERS}
    assert Decision.objects.count() == alerts
    assert ActionRequest.objects.count() == alerts
    queued = [task["args"] for task in task_queue()]
    assert sorted(queued) == sorted((pk,) for pk in ActionRequest.objects.values_list("id", flat=True))
    assert json.dumps(sorted(queued)) == json.dumps(sorted(set(queued)))  # each request queued exactly once
