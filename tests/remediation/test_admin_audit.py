"""User and group changes made in the admin are audited; passwords never appear."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from remediation.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_audits_user_creation_without_the_password(client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newbie",
            "password1": "Sup3r-long-unique-pass",
            "password2": "Sup3r-long-unique-pass",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="user.created")
    assert event.actor == admin_user
    assert event.after["username"] == "newbie"
    assert event.after["password"] == "set"
    assert "Sup3r" not in str(event.after)
    assert "pbkdf2" not in str(event.after) and "md5" not in str(event.after)


def test_it_audits_group_membership_and_password_changes(client: Client, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    response = client.post(
        f"/admin/auth/user/{viewer.pk}/password/",
        {"password1": "An0ther-long-unique-pass", "password2": "An0ther-long-unique-pass", "usable_password": "true"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="user.updated").latest("id")
    assert event.after == {"password": "changed"}
    assert event.before == {"password": "set"}


def test_it_audits_group_changes_and_deletions(client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    group = Group.objects.create(name="night-shift")
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "night-ops", "permissions": []})
    assert response.status_code == 302
    updated = AuditEvent.objects.get(action="group.updated")
    assert (updated.before, updated.after) == ({"name": "night-shift"}, {"name": "night-ops"})
    response = client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="group.deleted")
    assert deleted.object_repr == "night-ops"
    assert deleted.before["name"] == "night-ops"
    assert not get_user_model().objects.filter(username="night-ops").exists()
