"""First-run setup: schema, roles and an administrator — never a default password."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction

from remediation.actors import Actor
from remediation.choices import Role
from remediation.roles import sync_roles
from remediation.services.audit import record_event


def prepare_database(*, verbosity: int = 0) -> None:
    """Apply migrations and make sure the role groups hold their permissions."""
    call_command("migrate", interactive=False, verbosity=verbosity)
    sync_roles()


def admin_exists() -> bool:
    return get_user_model().objects.filter(is_superuser=True, is_active=True).exists()


@transaction.atomic
def create_admin(*, username: str, email: str, password: str) -> None:
    """Create a superuser in the Admin role; the password must pass the validators."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValueError(f"A user named {username!r} already exists.")
    user = User(username=username, email=email, is_staff=True, is_superuser=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=Role.ADMIN))
    record_event(
        actor=Actor.of("bootstrap"), action="user.created", obj=user, after={"username": username, "role": Role.ADMIN}
    )


def generate_password() -> str:
    return secrets.token_urlsafe(18)
