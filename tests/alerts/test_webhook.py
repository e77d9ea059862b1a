"""The Alertmanager webhook with the real captured payloads: episodes, idempotency, resolution, counts."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from alerts.models import Alert, WebhookToken
from tests.webhooks import payload, payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_client(both_hook_clients):  # type: ignore[no-untyped-def]
    return both_hook_clients


def test_it_stores_one_episode_per_alert_of_a_real_payload(post_hook) -> None:  # type: ignore[no-untyped-def]
    response = post_hook(payload_bytes("am_firing_3alerts"))
    assert response.status_code == 202
    assert response.json() == {"received": 3, "created": 3, "updated": 0, "resolved": 0, "ignored": 0}
    sent = payload("am_firing_3alerts")["alerts"]
    for raw in sent:
        alert = Alert.objects.get(fingerprint=raw["fingerprint"])
        assert alert.status == "firing"
        assert alert.ends_at is None  # 0001-01-01T00:00:00Z means open, not year 1
        assert alert.labels == raw["labels"]
        assert alert.annotations == raw["annotations"]
        assert alert.generator_url == raw["generatorURL"]
        assert alert.starts_at == dt.datetime(2026, 11, 26, 11, 25, 13, 510000, tzinfo=dt.UTC)
        assert alert.alertname == "HighLoad_15f81b"
        assert alert.source == "alertmanager-test"
        assert alert.receiver == "hook"


def test_it_stores_a_group_of_one_hundred_alerts(post_hook) -> None:  # type: ignore[no-untyped-def]
    response = post_hook(payload_bytes("am_firing_100alerts_1group"))
    assert response.status_code == 202
    assert response.json()["created"] == 100
    assert Alert.objects.count() == 100


def test_it_counts_a_repeat_instead_of_duplicating(post_hook) -> None:  # type: ignore[no-untyped-def]
    post_hook(payload_bytes("am_firing_3alerts"))
    response = post_hook(payload_bytes("am_firing_3alerts"))
    assert response.json() == {"received": 3, "created": 0, "updated": 3, "resolved": 0, "ignored": 0}
    assert Alert.objects.count() == 3
    assert set(Alert.objects.values_list("receive_count", flat=True)) == {2}
    alert = Alert.objects.first()
    assert alert.last_received_at > alert.first_received_at


def test_it_closes_episodes_on_resolved(post_hook) -> None:  # type: ignore[no-untyped-def]
    firing = payload("am_firing_3alerts")
    resolved = payload("am_resolved_3alerts")
    assert [a["fingerprint"] for a in firing["alerts"]] == [a["fingerprint"] for a in resolved["alerts"]]
    post_hook(firing)
    response = post_hook(resolved)
    assert response.json() == {"received": 3, "created": 0, "updated": 3, "resolved": 3, "ignored": 0}
    for raw in resolved["alerts"]:
        alert = Alert.objects.get(fingerprint=raw["fingerprint"])
        assert alert.status == "resolved"
        assert alert.ends_at == dt.datetime.fromisoformat(raw["endsAt"])
        assert alert.resolved_at is not None


def test_it_never_reopens_a_resolved_episode_on_a_stale_firing(post_hook) -> None:  # type: ignore[no-untyped-def]
    post_hook(payload("am_resolved_3alerts"))
    response = post_hook(payload("am_firing_3alerts"))
    assert response.json()["created"] == 0
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}
    assert set(Alert.objects.values_list("receive_count", flat=True)) == {2}


def test_it_handles_a_firing_group_with_one_resolved_alert(post_hook) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_with_1_resolved")
    response = post_hook(body)
    assert response.json() == {"received": 3, "created": 3, "updated": 0, "resolved": 1, "ignored": 0}
    statuses = {a.fingerprint: a.status for a in Alert.objects.all()}
    assert statuses == {a["fingerprint"]: a["status"] for a in body["alerts"]}


def test_it_starts_a_new_episode_for_a_new_starts_at(post_hook) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_3alerts")
    post_hook(body)
    later = copy.deepcopy(body)
    for alert in later["alerts"]:
        alert["startsAt"] = "2026-11-26T12:00:00Z"
    assert post_hook(later).json()["created"] == 3
    assert Alert.objects.count() == 6


def test_it_computes_the_alertmanager_fingerprint_when_missing(post_hook) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_3alerts")
    expected = [a.pop("fingerprint") for a in body["alerts"]]
    assert post_hook(body).json()["created"] == 3
    assert sorted(Alert.objects.values_list("fingerprint", flat=True)) == sorted(expected)


def test_it_keeps_different_alerts_apart_without_fingerprints(post_hook) -> None:  # type: ignore[no-untyped-def]
    base = payload("am_firing_3alerts")["alerts"][0]
    alerts = []
    # Label sets that a naive concatenation would confuse: {a: "bc"} vs {ab: "c"}.
    for labels in ({"a": "bc"}, {"ab": "c"}, {"a": "b", "c": ""}, {"a": "b"}):
        alerts.append({**base, "labels": labels, "fingerprint": ""})
    response = post_hook({"version": "4", "status": "firing", "alerts": alerts})
    assert response.json()["created"] == 4
    assert Alert.objects.values("fingerprint").distinct().count() == 4


def test_it_keeps_the_token_last_used_time(post_hook) -> None:  # type: ignore[no-untyped-def]
    assert WebhookToken.objects.get().last_used_at is None
    post_hook(payload("am_firing_3alerts"))
    assert WebhookToken.objects.get().last_used_at is not None


def test_it_counts_a_batch_duplicate_once_as_an_episode(post_hook) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_3alerts")
    body["alerts"].append(copy.deepcopy(body["alerts"][0]))
    assert post_hook(body).json() == {"received": 4, "created": 3, "updated": 0, "resolved": 0, "ignored": 0}
    assert Alert.objects.get(fingerprint=body["alerts"][0]["fingerprint"]).receive_count == 2


def test_it_exports_intake_metrics(post_hook, client) -> None:  # type: ignore[no-untyped-def]
    post_hook(payload("am_firing_3alerts"))
    post_hook(payload("am_firing_3alerts"))
    post_hook(b"{", token="wrong")
    text = client.get("/metrics").content.decode()
    for name in (
        'remediation_alerts_received_total{status="firing"}',
        'remediation_alert_episodes_total{result="created"}',
        'remediation_alert_episodes_total{result="duplicate"}',
        'remediation_alert_decisions_total{action="none",outcome="no_match"}',
        'remediation_webhook_rejects_total{reason="unauthorized"}',
        "remediation_webhook_seconds_bucket",
    ):
        assert name in text


def test_it_accepts_an_empty_batch(post_hook) -> None:  # type: ignore[no-untyped-def]
    response = post_hook({"version": "4", "status": "firing", "alerts": []})
    assert response.json() == {"received": 0, "created": 0, "updated": 0, "resolved": 0, "ignored": 0}
    assert not Alert.objects.exists()


def test_it_only_accepts_post(hook_client, webhook_token) -> None:  # type: ignore[no-untyped-def]
    response = hook_client.get("/hooks/alertmanager/", HTTP_AUTHORIZATION=f"Bearer {webhook_token}")
    assert response.status_code == 405


def test_it_accepts_a_token_made_by_the_factory(hook_client) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import WebhookTokenFactory

    token = WebhookTokenFactory(raw="rwh_" + "k" * 43)
    response = hook_client.post(
        "/hooks/alertmanager/",
        data=payload_bytes("am_firing_3alerts"),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer rwh_" + "k" * 43,
    )
    assert response.status_code == 202
    assert Alert.objects.get(fingerprint="c474737825b7571c").source == token.name


def test_it_answers_503_and_stores_nothing_when_the_shared_redis_is_down(post_hook, unreachable_port) -> None:  # type: ignore[no-untyped-def]
    """Redis (cache and broker, one REDIS_URL) refusing connections: nothing is committed that could not be queued."""
    from django.test import override_settings

    from tests.factories import RuleFactory, RuleMatcherFactory

    rule = RuleFactory(name="node", action="analyze")
    RuleMatcherFactory(rule=rule, name="job", op="=", value="node")
    dead = f"redis://127.0.0.1:{unreachable_port}/0"
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}
    ):
        response = post_hook(payload("am_firing_3alerts"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert not Alert.objects.exists()
    response = post_hook(payload("am_firing_3alerts"))  # Alertmanager's retry, Redis back
    assert response.status_code == 202 and response.json()["created"] == 3
    assert set(Alert.objects.values_list("decisions__rule_name", flat=True)) == {"node"}
