"""No role below superuser can make the worker run a callable: django-q2's admin is superuser-only and read-only.

The worker side is django-q2's own code: its scheduler and its worker function, run in this process in django-q2's
sync mode, so a schedule or a resubmitted task that got through would really run (the control case proves it).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Failure, Schedule, Task
from django_q.scheduler import scheduler

from remediation.actors import Actor
from remediation.choices import Role
from runbooks.services.definitions import save_runbook
from runbooks.services.schedules import FIRE_TASK
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _run_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of django-q2's scheduler; in sync mode every task it creates runs here and now."""
    monkeypatch.setattr(Conf, "SYNC", True)
    scheduler()


def _schedule_form(target: Path) -> dict[str, str]:
    return {
        "name": "evil",
        "func": "os.mkdir",
        "args": repr(str(target)),
        "kwargs": "",
        "schedule_type": "O",
        "repeats": "1",
        "next_run_0": "2000-01-01",
        "next_run_1": "00:00:00",
        "minutes": "",
        "cron": "",
        "cluster": "",
        "intended_date_kwarg": "",
    }


def test_it_gives_no_group_any_task_queue_permission() -> None:
    held = Permission.objects.filter(group__isnull=False, content_type__app_label="django_q")
    assert not held.exists()
    assert Permission.objects.filter(content_type__app_label="django_q").exists()  # they exist; nobody holds them


def test_it_takes_task_queue_permissions_away_from_groups_seeded_before(role_admin) -> None:  # type: ignore[no-untyped-def]
    queue_perms = Permission.objects.filter(content_type__app_label="django_q")
    admin_group = Group.objects.get(name=Role.ADMIN.value)
    admin_group.permissions.add(*queue_perms)
    role_admin.user_permissions.add(*queue_perms)
    migration = importlib.import_module("remediation.migrations.0009_roles_without_task_queue")
    migration.revoke_task_queue_permissions(apps, None)
    assert not admin_group.permissions.filter(content_type__app_label="django_q").exists()
    assert not role_admin.user_permissions.filter(content_type__app_label="django_q").exists()
    assert admin_group.permissions.filter(codename="author_runbook").exists()  # nothing else was touched


def test_it_refuses_the_admin_role_a_callable_schedule_and_a_resubmit_and_nothing_runs(  # type: ignore[no-untyped-def]
    role_admin, tmp_path, monkeypatch
) -> None:
    client = _client(role_admin)
    scheduled, resubmitted, control = tmp_path / "scheduled", tmp_path / "resubmitted", tmp_path / "control"
    assert client.get("/admin/django_q/schedule/").status_code == 403
    assert client.get("/admin/django_q/schedule/add/").status_code == 403
    assert client.post("/admin/django_q/schedule/add/", _schedule_form(scheduled)).status_code == 403
    failed = Failure.objects.create(
        id="f" * 32,
        name="old",
        func="os.mkdir",
        args=(str(resubmitted),),
        kwargs={},
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    response = client.post(
        "/admin/django_q/failure/", {"action": "resubmit_task", "_selected_action": [failed.pk], "index": "0"}
    )
    assert response.status_code == 403
    assert "/admin/django_q/" not in client.get("/admin/").content.decode()
    # The control: a schedule that does get into the table really runs on this worker.
    Schedule.objects.create(
        name="control",
        func="os.mkdir",
        args=repr(str(control)),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now(),
    )
    _run_the_worker(monkeypatch)
    assert control.is_dir()
    assert not scheduled.exists() and not resubmitted.exists()
    assert not Schedule.objects.filter(func="os.mkdir").exclude(name="control").exists()
    assert Task.objects.filter(func="os.mkdir").count() == 2  # the old failure and the control; nothing resubmitted


def test_it_offers_superusers_the_queue_read_only_without_actions(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(admin_user)
    assert client.get("/admin/django_q/schedule/").status_code == 200
    assert client.get("/admin/django_q/schedule/add/").status_code == 403
    failures = client.get("/admin/django_q/failure/")
    assert failures.status_code == 200 and "resubmit_task" not in failures.content.decode()


def test_it_keeps_the_schedule_api_on_its_own_task_whatever_the_body_says(api_as, role_admin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    save_runbook({"name": "rotate", "steps": [{"name": "s", "command": "echo ok"}]}, actor=Actor.of(role_admin))
    body = {
        "name": "n",
        "runbook": "rotate",
        "kind": "interval",
        "interval_minutes": 5,
        "func": "os.mkdir",
        "args": repr(str(tmp_path / "x")),
        "q_options": {"func": "os.mkdir"},
    }
    response = api_as(role_admin).post("/api/v1/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    row = Schedule.objects.get(name=f"runbook-schedule:{response.json()['id']}")
    assert (row.func, row.args) == (FIRE_TASK, repr(response.json()["id"]))


def test_it_keeps_the_admin_role_from_making_or_changing_a_superuser(role_admin, admin_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(role_admin)
    change = f"/admin/auth/user/{admin_user.pk}/change/"
    assert client.post(change, {"username": "admin", "is_active": ""}).status_code == 403
    assert client.post(f"/admin/auth/user/{admin_user.pk}/password/", {"password1": "x" * 20}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [admin_user.pk], "post": "yes", "index": "0"}
    assert client.post("/admin/auth/user/", bulk).status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.check_password(TEST_PASSWORD)
    page = client.get(f"/admin/auth/user/{role_admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
