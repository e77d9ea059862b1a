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


# --- rotation, revocation (logout), password change, deactivation -----------------------------------------------

REFRESH_URL = "/api/v1/auth/token/refresh/"
REVOKE_URL = "/api/v1/auth/token/revoke/"


def refresh_with(api, token: str):  # type: ignore[no-untyped-def]
    return api.post(REFRESH_URL, {"refresh": token}, format="json")


def authenticates(api, access: str) -> bool:  # type: ignore[no-untyped-def]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    ok = api.get(AUDIT_URL).status_code == 200
    api.credentials()
    return ok


def test_it_rotates_refresh_tokens_and_an_old_one_is_useless(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    first = obtain(api, "admin").json()["refresh"]
    rotated = refresh_with(api, first)
    assert rotated.status_code == 200 and set(rotated.json()) == {"access", "refresh"}
    second = rotated.json()["refresh"]
    assert second != first and authenticates(api, rotated.json()["access"])
    again = refresh_with(api, first)
    assert again.status_code == 401 and "already used or revoked" in again.json()["detail"]
    # A rotated token coming back means it leaked: the newest one is revoked too.
    assert refresh_with(api, second).status_code == 401
    assert AuditEvent.objects.filter(action="user.token_refreshed", actor=admin_user).count() == 1
    assert AuditEvent.objects.filter(action="user.tokens_revoked", object_id=str(admin_user.pk)).exists()
    assert AuditEvent.objects.filter(action="user.token_refused").count() == 2
    assert not AuditEvent.objects.filter(after__icontains=first[-20:]).exists()


def test_it_revokes_a_refresh_token_on_logout_and_all_of_them_on_request(api, admin_user) -> None:  # type: ignore[no-untyped-def]
    one, two = (obtain(api, "admin").json()["refresh"] for _ in range(2))
    response = api.post(REVOKE_URL, {"refresh": one}, format="json")
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    assert refresh_with(api, two).status_code == 200  # only the one sent
    assert refresh_with(api, one).status_code == 401
    three, four = (obtain(api, "admin").json()["refresh"] for _ in range(2))
    everywhere = api.post(REVOKE_URL, {"refresh": three, "all": True}, format="json")
    assert everywhere.status_code == 200 and everywhere.json() == {"revoked": 2}
    assert refresh_with(api, four).status_code == 401
    assert AuditEvent.objects.filter(action="user.token_revoked", actor=admin_user, reason="logout").exists()
    assert AuditEvent.objects.filter(action="user.tokens_revoked", reason="logout everywhere").exists()


def test_it_answers_a_bad_revoke_with_the_field_or_401(api) -> None:  # type: ignore[no-untyped-def]
    missing = api.post(REVOKE_URL, {}, format="json")
    assert missing.status_code == 400 and "refresh" in str(missing.json())
    assert api.post(REVOKE_URL, {"refresh": "not-a-token"}, format="json").status_code == 401
    forged = str(AccessToken())  # signed by us, but an access token
    assert api.post(REFRESH_URL, {"refresh": forged}, format="json").status_code == 401


def test_it_ends_refresh_and_access_tokens_when_an_admin_changes_the_password(api, admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    pair = obtain(api, "operator").json()
    assert authenticates(api, pair["access"]) is False  # operators cannot read the audit log; use another call
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api.get("/api/v1/alerts/").status_code == 200
    api.credentials()
    client = Client()
    client.force_login(admin_user)
    new = "a brand new passphrase 77"
    changed = client.post(f"/admin/auth/user/{operator.pk}/password/", {"password1": new, "password2": new})
    assert changed.status_code == 302
    assert refresh_with(api, pair["refresh"]).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api.get("/api/v1/alerts/").status_code == 401
    assert AuditEvent.objects.filter(
        action="user.tokens_revoked", reason="password changed", actor=admin_user, after__count=1
    ).exists()


def test_it_refuses_a_refresh_token_after_a_password_change_made_anywhere(api, operator) -> None:  # type: ignore[no-untyped-def]
    refresh = obtain(api, "operator").json()["refresh"]
    operator.set_password("changed from the shell 99")  # no service told: the token's password claim decides
    operator.save()
    response = refresh_with(api, refresh)
    assert response.status_code == 401 and "password changed" in response.json()["detail"]


def test_it_revokes_tokens_when_a_user_is_deactivated(api, admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    pair = obtain(api, "operator").json()
    client = Client()
    client.force_login(admin_user)
    form = {
        "username": "operator",
        "is_active": "",
        "groups": [g.pk for g in operator.groups.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = client.post(f"/admin/auth/user/{operator.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    operator.refresh_from_db()
    assert not operator.is_active
    assert AuditEvent.objects.filter(action="user.tokens_revoked", reason="deactivated", after__count=1).exists()
    operator.is_active = True  # even re-activated, the revoked token stays revoked
    operator.save()
    assert refresh_with(api, pair["refresh"]).status_code == 401


@pytest.mark.real_part
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_parallel_refreshes_of_a_token_through(admin_user) -> None:  # type: ignore[no-untyped-def]
    import threading

    from django.db import connection
    from rest_framework.test import APIClient

    from tests.realparts import need_postgresql

    need_postgresql()
    refresh = obtain(APIClient(), "admin").json()["refresh"]
    start, answers = threading.Barrier(4), []

    def refresh_once() -> None:
        try:
            start.wait()
            answers.append(refresh_with(APIClient(), refresh).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # The row lock serialises them: one rotation; the others present a revoked token (which revokes the new one too).
    assert sorted(answers) == [200, 401, 401, 401]
