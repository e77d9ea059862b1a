"""Every rejection status of the webhook, each leaving the database exactly as it was."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from alerts.models import ActionRequest, Alert, Decision
from alerts.services.webhook_tokens import create_webhook_token, revoke_webhook_token
from remediation.actors import Actor
from tests.factories import RuleFactory, RuleMatcherFactory
from tests.webhooks import payload, payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_client(both_hook_clients):  # type: ignore[no-untyped-def]
    return both_hook_clients


def _state() -> tuple[int, int, int, list[tuple[int, str]]]:
    rows = list(Alert.objects.order_by("id").values_list("receive_count", "status"))
    return Alert.objects.count(), Decision.objects.count(), ActionRequest.objects.count(), rows


@pytest.fixture
def unchanged(post_hook) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Some state first (so 'unchanged' means something), then compare after the rejected request."""
    rule = RuleFactory(action="analyze")
    RuleMatcherFactory(rule=rule, name="severity", op="=~", value=".+")
    assert post_hook(payload("am_firing_3alerts")).status_code == 202
    before = _state()
    yield
    assert _state() == before


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer ", "bearer"])
def test_it_refuses_missing_or_wrong_tokens_with_401(post_hook, unchanged, header, hook_client) -> None:  # type: ignore[no-untyped-def]
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    body = payload_bytes("am_firing_3alerts")
    response = hook_client.post("/hooks/alertmanager/", data=body, content_type="application/json", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_revoked_token(post_hook, unchanged) -> None:  # type: ignore[no-untyped-def]
    token, raw = create_webhook_token("old-source", actor=Actor.of("system"))
    revoke_webhook_token(token, actor=Actor.of("system"))
    assert post_hook(payload("am_firing_with_1_resolved"), token=raw).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (b'{"version": "4"}', "alerts"),
        (b'{"version": "3", "alerts": []}', "version"),
    ],
)
def test_it_rejects_invalid_json_or_shape_with_400(post_hook, unchanged, body, field) -> None:  # type: ignore[no-untyped-def]
    response = post_hook(body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_it_stores_nothing_when_one_alert_of_a_batch_is_bad(post_hook, unchanged) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_resolved_3alerts")  # would resolve the stored episodes
    body["alerts"][1]["labels"]["severity"] = 5
    body["alerts"][2]["startsAt"] = "yesterday"
    body["alerts"][2]["status"] = "open"
    response = post_hook(body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["alerts[1].labels.severity"] == ["must be a string"]
    assert "alerts[2].startsAt" in errors
    assert "alerts[2].status" in errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startsAt": "2026-11-26T11:25:13"}, "startsAt"),  # no offset
        ({"startsAt": "0001-01-01T00:00:00Z"}, "startsAt"),
        ({"endsAt": 17}, "endsAt"),
        ({"labels": ["a"]}, "labels"),
        ({"annotations": {"summary": None}}, "annotations.summary"),
        ({"generatorURL": {"x": 1}}, "generatorURL"),
        ({"fingerprint": "f" * 65}, "fingerprint"),
    ],
)
def test_it_names_the_bad_field(post_hook, unchanged, change, field) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_3alerts")
    body["alerts"][0] = {**copy.deepcopy(body["alerts"][0]), **change}
    response = post_hook(body)
    assert response.status_code == 400
    assert f"alerts[0].{field}" in response.json()["errors"]


def test_it_refuses_a_body_over_the_limit_with_413(post_hook, unchanged, settings) -> None:  # type: ignore[no-untyped-def]
    body = payload_bytes("am_firing_100alerts_1group")
    settings.WEBHOOK_MAX_BODY_BYTES = len(body) - 1
    assert post_hook(body).status_code == 413
    settings.WEBHOOK_MAX_BODY_BYTES = len(body)
    assert post_hook(b" " * (len(body) + 10)).status_code == 413


def test_it_limits_each_token_with_429_and_retry_after(post_hook, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_RATE_LIMIT = "2/h"
    body = payload("am_firing_3alerts")
    _, other = create_webhook_token("second-source", actor=Actor.of("system"))
    assert post_hook(body, token=other).status_code == 202
    assert post_hook(body, token=other).status_code == 202
    before = _state()
    response = post_hook(payload("am_resolved_3alerts"), token=other)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3601
    assert _state() == before
    # Another token is limited on its own.
    assert post_hook(body).status_code == 202


def test_it_applies_a_token_s_own_limit_over_the_default(post_hook, settings, admin_user) -> None:  # type: ignore[no-untyped-def]
    from alerts.models import WebhookToken
    from alerts.services.webhook_tokens import set_webhook_token_rate_limit
    from remediation.models import AuditEvent

    settings.WEBHOOK_RATE_LIMIT = "1000/m"
    token, raw = create_webhook_token("noisy-source", actor=Actor.of("system"))
    set_webhook_token_rate_limit(token, "1/h", actor=Actor.of(admin_user))
    assert AuditEvent.objects.filter(action="webhook_token.updated", after__rate_limit="1/h").exists()
    body = payload("am_firing_3alerts")
    assert [post_hook(body, token=raw).status_code for _ in range(2)] == [202, 429]
    assert post_hook(body).status_code == 202  # the default still applies to the other token
    with pytest.raises(ValidationError) as refused:
        set_webhook_token_rate_limit(WebhookToken.objects.get(pk=token.pk), "lots", actor=Actor.of(admin_user))
    assert "rate_limit" in refused.value.message_dict
    assert WebhookToken.objects.get(pk=token.pk).rate_limit == "1/h"


def test_it_answers_503_when_the_database_fails(post_hook, unchanged) -> None:  # type: ignore[no-untyped-def]
    def broken(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "alerts_alert" in sql and sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise OperationalError("could not connect to server: Connection refused")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(broken):
        response = post_hook(payload("am_resolved_3alerts"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_it_answers_429_to_an_address_guessing_tokens_without_looking_them_up(  # type: ignore[no-untyped-def]
    post_hook, settings, django_assert_num_queries, webhook_token
) -> None:
    settings.WEBHOOK_AUTH_FAILURE_LIMIT = "3/m"
    body = payload("am_firing_3alerts")
    assert post_hook(body).status_code == 202  # this process now knows the real token
    assert [post_hook(body, token=f"rwh_guess{i}").status_code for i in range(4)] == [401, 401, 401, 429]
    with django_assert_num_queries(0):
        blocked = post_hook(body, token="rwh_guess-again")
    assert blocked.status_code == 429 and 1 <= int(blocked["Retry-After"]) <= 61
    assert "failed authentications" in blocked.json()["detail"]
    # The address is blocked, not the Alertmanager behind it: a token already accepted here still delivers.
    assert post_hook(body).status_code == 202


def test_it_counts_failures_per_address(post_hook, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_AUTH_FAILURE_LIMIT = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    body = payload("am_firing_3alerts")
    first = {"HTTP_X_FORWARDED_FOR": "192.0.2.10"}
    assert [post_hook(body, token="rwh_x", **first).status_code for _ in range(3)] == [401, 401, 429]
    assert post_hook(body, token="rwh_x", HTTP_X_FORWARDED_FOR="192.0.2.11").status_code == 401
