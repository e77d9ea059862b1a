"""Who did it: the frozen actor value every service is given and every audit event names."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from remediation.choices import SYSTEM_ACTOR

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class ActorKind(enum.StrEnum):
    USER = "user"  # a signed-in person
    SYSTEM = "system"  # the product itself or an operator's command: a job, a sweeper, manage.py
    ANONYMOUS = "anonymous"  # nobody signed in: may do nothing that needs a permission


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person (user id and name), the system (a job, a command) or an anonymous caller.

    Edges build it once (`Actor.of(request.user)`); services are given it and never a request or a user row.
    """

    kind: ActorKind
    display: str
    user_id: int | None = None
    username: str = ""
    # The user row itself, for a foreign key or a permission check without a query; not part of the value.
    user: User | None = field(default=None, compare=False, repr=False, hash=False)

    @classmethod
    def of(cls, who: Actor | User | AnonymousUser | str | None) -> Actor:
        """The value for whatever an edge holds: a user row, anonymous, a system label, or None (the system)."""
        if isinstance(who, Actor):
            return who
        if isinstance(who, AbstractBaseUser) and who.pk is not None:
            name = who.get_username()
            return cls(ActorKind.USER, display=name, user_id=who.pk, username=name, user=who)  # type: ignore[arg-type]
        if isinstance(who, str):
            return cls(ActorKind.SYSTEM, display=who) if who else SYSTEM
        if who is None:
            return SYSTEM
        return ANONYMOUS  # AnonymousUser, or a user row not saved

    @classmethod
    def system(cls) -> Actor:
        """The product itself: a job, a sweeper, a startup step."""
        return SYSTEM


SYSTEM = Actor(ActorKind.SYSTEM, display=SYSTEM_ACTOR)
ANONYMOUS = Actor(ActorKind.ANONYMOUS, display="anonymous")


def user_of(who: Actor) -> User | None:
    """The signed-in user an actor is, for a foreign key or a permission check; None for the system and anonymous."""
    return who.user


def person_of(who: Actor) -> User:
    """The user row of an actor that must be a signed-in person (a chat turn, a terminal); refused otherwise."""
    if who.user is None:
        raise PermissionDenied("This needs a signed-in user.")
    return who.user


def may(who: Actor, permission: str) -> bool:
    """Whether this actor holds `permission`: only an active signed-in user can; the system and anonymous never do."""
    return who.user is not None and who.user.is_active and who.user.has_perm(permission)
