"""Portal login: success, failure, rate limit per IP and per username, proxy awareness, logout — all audited."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from remediation.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_it_signs_in_and_out_and_audits_both(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    response = post_login(client, "operator", TEST_PASSWORD, REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="user.logged_in")
    assert (event.actor, event.ip, event.request_id) == (operator, "10.1.2.3", "req-123")
    assert client.post("/logout/").status_code == 302
    assert AuditEvent.objects.filter(action="user.logged_out", actor=operator).exists()
    assert client.get("/").status_code == 302  # back to the login page


def test_it_redirects_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_rejects_a_bad_password_with_a_message(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    response = post_login(client, "operator", "wrong password")
    assert response.status_code == 200
    assert b"Invalid username or password." in response.content
    assert AuditEvent.objects.filter(action="user.login_failed", object_repr="operator").count() == 1


def test_it_does_not_follow_an_offsite_next(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login/", {"username": "operator", "password": TEST_PASSWORD, "next": "https://evil.test/"})
    assert response["Location"] == "/"


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_it_rate_limits_by_ip_with_429_and_audits_every_failure(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        assert post_login(client, f"nobody{n}", "x", REMOTE_ADDR="10.0.0.9").status_code == 200
    limited = post_login(client, "operator", TEST_PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert limited.status_code == 429
    assert b"Too many login attempts" in limited.content
    assert int(limited["Retry-After"]) > 0
    failures = AuditEvent.objects.filter(action="user.login_failed")
    assert failures.count() == 4
    assert failures.filter(reason="rate limited").count() == 1
    # Another address is not affected.
    assert post_login(client, "operator", TEST_PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_it_rate_limits_by_username_across_addresses(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        post_login(client, "Operator", "guess", REMOTE_ADDR=f"10.0.1.{n}")
    assert post_login(client, "operator", TEST_PASSWORD, REMOTE_ADDR="10.0.1.99").status_code == 429


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_it_rate_limits_the_jwt_endpoint_too(api, operator) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        api.post("/api/v1/auth/token/", {"username": "operator", "password": "x"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "operator", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 429
    assert "Too many login attempts" in response.json()["detail"]
    assert "Retry-After" in response


@override_settings(LOGIN_RATE_LIMIT="3/m", TRUSTED_PROXY_COUNT=0)
def test_it_ignores_forwarded_for_unless_a_proxy_is_configured(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        post_login(client, f"x{n}", "x", REMOTE_ADDR="10.0.2.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    # Spoofed X-Forwarded-For values do not dodge the per-IP limit.
    assert post_login(client, "y", "x", REMOTE_ADDR="10.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 429


@override_settings(LOGIN_RATE_LIMIT="3/m", TRUSTED_PROXY_COUNT=1)
def test_it_counts_the_forwarded_client_behind_a_trusted_proxy(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        post_login(client, f"x{n}", "x", REMOTE_ADDR="10.0.3.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert post_login(client, "y", "x", REMOTE_ADDR="10.0.3.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # A different client behind the same proxy still gets in.
    ok = post_login(client, "operator", TEST_PASSWORD, REMOTE_ADDR="10.0.3.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert ok.status_code == 302
    assert AuditEvent.objects.get(action="user.logged_in").ip == "203.0.113.6"


def test_it_sends_admin_sign_in_through_the_portal_login(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/admin/")
