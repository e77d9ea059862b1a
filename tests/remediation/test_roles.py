"""Roles are seeded as groups holding the permissions PRODUCT.md 2.8 describes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from remediation.choices import Role

pytestmark = pytest.mark.django_db


def perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_it_seeds_the_four_roles() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"Viewer", "Operator", "Approver", "Admin"}


def test_it_gives_viewers_read_only_access() -> None:
    viewer = perms(Role.VIEWER)
    assert viewer
    assert all(p.split(".")[1].startswith("view_") for p in viewer)
    assert "remediation.view_auditevent" not in viewer


def test_it_gives_operators_their_actions_but_not_approval() -> None:
    operator = perms(Role.OPERATOR)
    assert {
        "remediation.execute_runbook",
        "remediation.analyze_alert",
        "remediation.use_chat",
        "remediation.open_terminal",
    } <= operator
    assert "remediation.approve_execution" not in operator
    assert "remediation.author_runbook" not in operator


def test_it_gives_approvers_approval_only() -> None:
    approver = perms(Role.APPROVER)
    assert "remediation.approve_execution" in approver
    assert "remediation.execute_runbook" not in approver


def test_it_gives_admins_everything_including_users() -> None:
    admin = perms(Role.ADMIN)
    assert {
        "remediation.author_runbook",
        "remediation.export_auditevent",
        "auth.change_user",
        "remediation.manage_kill_switch",
    } <= admin
    assert perms(Role.OPERATOR) | perms(Role.APPROVER) <= admin


def test_it_checks_the_same_permission_for_users(operator, viewer) -> None:  # type: ignore[no-untyped-def]
    assert operator.has_perm("remediation.execute_runbook")
    assert not viewer.has_perm("remediation.execute_runbook")
