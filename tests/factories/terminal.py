"""Factories of the terminal app: grants and session rows."""

from __future__ import annotations

import factory

from remediation.models import TerminalGrant
from terminal.models import TerminalSession
from tests.factories import UserFactory


class TerminalGrantFactory(factory.django.DjangoModelFactory):
    """A grant for one server (pass server=…), or for a tag (pass tag=… and server=None)."""

    class Meta:
        model = TerminalGrant

    user = factory.SubFactory(UserFactory)


class TerminalSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerminalSession

    user = factory.SubFactory(UserFactory)
    server = None
    server_name = factory.Sequence(lambda n: f"server-{n}")


def grant(user, *servers, tag: str = ""):  # type: ignore[no-untyped-def]
    """Grants `user` (the operator, usually) on each server, or on a tag; returns the user."""
    for server in servers:
        TerminalGrantFactory(user=user, server=server)
    if tag:
        TerminalGrantFactory(user=user, server=None, tag=tag)
    return user
