"""The profile page: a person's own time zone (every portal time follows it) and their own password."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from remediation.models import AuditEvent, UserPreference
from remediation.services.tokens import issue_tokens
from tests.factories import TEST_PASSWORD
from tests.factories.alerts import AlertFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-much-longer-Passphrase-2026"


def test_it_shows_every_time_in_the_zone_a_person_chose(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory(starts_at=dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    client.force_login(viewer)
    assert "2026-12-06 12:00:00 UTC" in client.get(f"/alerts/{alert.pk}/").content.decode()
    response = client.post("/profile/", {"form": "time_zone", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert "2026-12-06 21:00:00 JST" in client.get(f"/alerts/{alert.pk}/").content.decode()
    assert UserPreference.objects.get(user=viewer).time_zone == "Asia/Tokyo"
    event = AuditEvent.objects.get(action="user.time_zone_changed")
    assert event.after == {"time_zone": "Asia/Tokyo"}
    # A new session (another browser) reads the choice back from the row.
    other = Client()
    other.force_login(viewer)
    assert "21:00:00 JST" in other.get(f"/alerts/{alert.pk}/").content.decode()


def test_it_refuses_an_unknown_zone_and_changes_nothing(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    response = client.post("/profile/", {"form": "time_zone", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400 and "Unknown time zone" in response.content.decode()
    assert not UserPreference.objects.filter(user=viewer).exists()


def test_it_changes_the_own_password_revokes_api_tokens_and_keeps_the_session(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    issue_tokens(viewer)
    client.force_login(viewer)
    wrong = client.post("/profile/", {"form": "password", "old_password": "nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current password is not right" in wrong.content.decode()
    weak = client.post("/profile/", {"form": "password", "old_password": TEST_PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    viewer.refresh_from_db()
    assert viewer.check_password(TEST_PASSWORD) and BlacklistedToken.objects.count() == 0
    done = client.post("/profile/", {"form": "password", "old_password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 302
    viewer.refresh_from_db()
    assert viewer.check_password(NEW_PASSWORD)
    assert BlacklistedToken.objects.count() == 1
    assert client.get("/profile/").status_code == 200  # still signed in here
    event = AuditEvent.objects.get(action="user.password_changed")
    assert NEW_PASSWORD not in str(event.before) + str(event.after) + event.reason
