"""A real Redis (this test's own redis-server, on a free port) stopped and started again: the webhook answers 503
with nothing stored and recovers on Alertmanager's retry; sign-in (portal and JWT) keeps working, still limited."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings

from alerts.models import ActionRequest, Alert, Decision
from alerts.services.actions import redispatch_stale_action_requests
from remediation import metrics
from remediation.choices import ActionRequestStatus
from remediation.models import AuditEvent
from tests.factories import TEST_PASSWORD, RuleFactory, RuleMatcherFactory
from tests.redis_server import RedisServer, need_redis_server
from tests.webhooks import payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis(monkeypatch) -> Iterator[RedisServer]:  # type: ignore[no-untyped-def]
    """Cache and django-q2 broker on a private redis-server (what REDIS_URL configures in production)."""
    need_redis_server()
    from django_q.conf import Conf

    server = RedisServer(Path(tempfile.mkdtemp(prefix="rm-redis-"))).start()
    monkeypatch.setattr(Conf, "REDIS", server.url(0))
    monkeypatch.setattr(Conf, "ORM", None)
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url(1),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    with override_settings(CACHES=caches):
        yield server
    server.stop()


def queued(server: RedisServer) -> int:
    return int(server.command("-n", "0", "llen", "django_q:remediation:q") or 0)


def stored() -> tuple[int, int, int]:
    return Alert.objects.count(), Decision.objects.count(), ActionRequest.objects.count()


def test_it_answers_503_with_nothing_stored_while_redis_is_down_then_recovers(  # type: ignore[no-untyped-def]
    post_hook, own_redis, caplog, settings
) -> None:
    RuleMatcherFactory(rule=RuleFactory(name="disk", action="remediate"), value="DiskFull")
    firing = payload("am_firing_3alerts")
    for alert in firing["alerts"]:
        alert["labels"]["alertname"] = "DiskFull"
    assert post_hook({**firing, "alerts": firing["alerts"][:1]}).status_code == 202
    assert queued(own_redis) == 1 and stored() == (1, 1, 1)

    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        refused = post_hook(firing)
    assert refused.status_code == 503 and refused["Retry-After"] == "5"
    assert stored() == (1, 1, 1), "nothing of the refused delivery may be stored"
    assert "broker (Redis) is unreachable" in caplog.text

    own_redis.start()  # Alertmanager retries the same delivery
    accepted = post_hook(firing)
    assert accepted.status_code == 202, accepted.content
    assert accepted.json() | {"received": 3} == {"received": 3, "created": 2, "updated": 1, "resolved": 0, "ignored": 0}
    assert stored() == (3, 3, 3)
    # The restart lost the first message (no persistence, like many production Redis setups): its request is
    # still pending in the database, and the sweeper sends it again (with the others; a duplicate claims nothing).
    assert queued(own_redis) == 2
    assert set(ActionRequest.objects.values_list("status", flat=True)) == {ActionRequestStatus.PENDING}
    settings.REDISPATCH_AFTER_SECONDS = 0
    assert redispatch_stale_action_requests() == 3 and queued(own_redis) == 5


def test_it_signs_in_and_still_limits_while_redis_is_down(operator, own_redis, api, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_RATE_LIMIT = "3/5m"
    own_redis.stop()
    before = metrics.RATE_LIMIT_FALLBACKS.labels(limiter="login")._value.get()
    client = Client()
    with caplog.at_level(logging.WARNING):
        response = client.post("/login/", {"username": "operator", "password": TEST_PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200
    assert "shared cache unreachable" in caplog.text
    token = api.post("/api/v1/auth/token/", {"username": "operator", "password": TEST_PASSWORD}, format="json")
    assert token.status_code == 200 and {"access", "refresh"} <= token.json().keys()
    assert metrics.RATE_LIMIT_FALLBACKS.labels(limiter="login")._value.get() >= before + 4  # ip + user, twice

    # Still limited, in this process: guesses at one username from five addresses.
    guess = {"username": "victim", "password": "wrong"}
    codes = [Client().post("/login/", guess, REMOTE_ADDR=f"10.9.0.{n}").status_code for n in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert AuditEvent.objects.filter(action="user.login_failed", reason="rate limited").count() == 2

    own_redis.start()
    assert Client().post("/login/", {"username": "operator", "password": TEST_PASSWORD}).status_code == 302
