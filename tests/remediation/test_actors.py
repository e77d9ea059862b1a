"""The actor value: built from whatever an edge holds, named by every audit event, asked for permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from remediation.actors import ANONYMOUS, SYSTEM, Actor, ActorKind, may, user_of
from remediation.models import AuditEvent
from remediation.services.access import require_permission
from remediation.services.audit import record_event

pytestmark = pytest.mark.django_db


def test_it_builds_a_frozen_value_for_a_user_a_system_label_and_nobody(operator) -> None:  # type: ignore[no-untyped-def]
    person = Actor.of(operator)
    assert person == Actor(ActorKind.USER, display=operator.username, user_id=operator.pk, username=operator.username)
    assert Actor.of(person) is person
    assert Actor.of("manage.py") == Actor(ActorKind.SYSTEM, display="manage.py")
    assert Actor.of(None) == Actor.of("") == Actor.system() == SYSTEM
    assert Actor.of(AnonymousUser()) == ANONYMOUS != SYSTEM
    with pytest.raises(AttributeError):
        person.user_id = 0  # type: ignore[misc]


def test_it_names_the_actor_in_the_audit_event(operator) -> None:  # type: ignore[no-untyped-def]
    record_event(actor=Actor.of(operator), action="probe.user")
    record_event(actor=Actor.of("manage.py purge_old_data"), action="probe.command")
    record_event(actor=Actor.of(AnonymousUser()), action="probe.anonymous")

    rows = AuditEvent.objects.filter(action__startswith="probe.").values_list("action", "actor_id", "actor_label")
    assert sorted(rows) == [
        ("probe.anonymous", None, "anonymous"),
        ("probe.command", None, "manage.py purge_old_data"),
        ("probe.user", operator.pk, operator.username),
    ]


def test_it_grants_permissions_and_rows_to_signed_in_users_only(admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    assert may(Actor.of(admin_user), "remediation.approve_execution")
    assert not may(Actor.of(viewer), "remediation.approve_execution")
    assert not may(SYSTEM, "remediation.approve_execution")
    assert not may(Actor.of(AnonymousUser()), "remediation.approve_execution")
    assert user_of(Actor.of(viewer)) == viewer
    assert user_of(Actor.of(AnonymousUser())) is None
    assert user_of(Actor.of("manage.py")) is None


def test_require_permission_passes_the_system_and_refuses_anonymous_and_the_unpermitted(admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    require_permission(SYSTEM, "remediation.approve_execution")
    require_permission(Actor.of(admin_user), "remediation.approve_execution")
    for who in (Actor.of(AnonymousUser()), Actor.of(viewer)):
        with pytest.raises(PermissionDenied):
            require_permission(who, "remediation.approve_execution")
    admin_user.is_active = False
    with pytest.raises(PermissionDenied):
        require_permission(Actor.of(admin_user), "remediation.approve_execution")
