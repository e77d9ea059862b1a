"""JWT flow: obtain, refresh, and rejection of expired or tampered tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from remediation.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
AUDIT_URL = "/api/v1/audit-events/"


def obtain(api, username: str, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_it_issues_a_pair_that_authenticates_api_calls(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    response = obtain(api, "admin")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert api.get(AUDIT_URL).status_code == 200
    assert AuditEvent.objects.filter(action="user.logged_in", actor=admin_user, after__channel="api").exists()


def test_it_refreshes_an_access_token(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    refresh = obtain(api, "admin").json()["refresh"]
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert api.get(AUDIT_URL).status_code == 200


def test_it_rejects_a_wrong_password_and_audits_it(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    response = obtain(api, "admin", "not the password")
    assert response.status_code == 401
    assert "access" not in response.json()
    event = AuditEvent.objects.get(action="user.login_failed")
    assert event.reason == "invalid credentials"
    assert "not the password" not in str(event.after)


def test_it_rejects_an_expired_access_token(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    token = AccessToken.for_user(admin_user)
    token.set_exp(lifetime=-dt.timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get(AUDIT_URL)
    assert response.status_code == 401
    assert "expired" in str(response.json()).lower()


def test_it_rejects_a_tampered_access_token(api, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    header, payload, signature = str(AccessToken.for_user(viewer)).split(".")
    admin_payload = str(AccessToken.for_user(admin_user)).split(".")[1]
    # A viewer's token with the admin's claims but the viewer's signature.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{admin_payload}.{signature}")
    assert api.get(AUDIT_URL).status_code == 401
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{payload}.{flipped}")
    assert api.get(AUDIT_URL).status_code == 401


def test_it_rejects_an_expired_refresh_token(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(admin_user)
    refresh.set_exp(lifetime=-dt.timedelta(seconds=1))
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, format="json")
    assert response.status_code == 401
