"""manage.py bootstrap: migrate, seed roles, create an admin from env or prompt; never a default password."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from remediation.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(**options: object) -> str:
    out = StringIO()
    call_command("bootstrap", stdout=out, **options)
    return out.getvalue()


def test_it_creates_the_admin_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BOOTSTRAP_ADMIN_USERNAME", "root-ops")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", "a-long-and-unusual-passphrase-77")
    output = run(no_input=True)
    user = get_user_model().objects.get(username="root-ops")
    assert user.is_superuser and user.check_password("a-long-and-unusual-passphrase-77")
    assert list(user.groups.values_list("name", flat=True)) == ["Admin"]
    assert "a-long-and-unusual-passphrase-77" not in output
    assert AuditEvent.objects.filter(action="user.created", object_repr="root-ops").exists()
    # Running again changes nothing.
    assert "An administrator exists" in run(no_input=True)
    assert get_user_model().objects.count() == 1


def test_it_refuses_a_weak_password(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", "admin")
    with pytest.raises(CommandError, match="too short"):
        run(no_input=True)
    assert not get_user_model().objects.exists()


def test_it_refuses_to_invent_a_password_without_being_asked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="BOOTSTRAP_ADMIN_PASSWORD is not set"):
        run(no_input=True)


def test_it_generates_a_random_password_printed_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    first = run(no_input=True, generate_password=True)
    password = first.split("with password: ")[1].split()[0]
    assert len(password) >= 20
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert "with password" not in run(no_input=True, generate_password=True)


def test_it_prompts_when_interactive(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    answers = iter(["ops-lead", "lead@example.test"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda _prompt: "another-long-passphrase-31")
    run()
    assert get_user_model().objects.get(username="ops-lead").email == "lead@example.test"
