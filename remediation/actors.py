"""Who did it: the frozen actor value every service is given and every audit event names."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser

from remediation.choices import SYSTEM_ACTOR

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class ActorKind(enum.StrEnum):
    USER = "user"
    SYSTEM = "system"
    TOKEN = "token"  # noqa: S105  # an actor kind, not a secret


@dataclass(frozen=True)
class Actor:
    """A person (user id and name), the system (a job, a command), or an API/webhook token, with its display label."""

    kind: ActorKind
    display: str
    user_id: int | None = None
    username: str = ""

    @classmethod
    def of(cls, who: Actor | User | AnonymousUser | str | None) -> Actor:
        """The value for whatever an edge holds: a signed-in user, a system label, or nobody (the system)."""
        if isinstance(who, Actor):
            return who
        if isinstance(who, AbstractBaseUser) and who.pk is not None:
            name = who.get_username()
            return cls(ActorKind.USER, display=name, user_id=who.pk, username=name)
        if isinstance(who, str) and who:
            return cls(ActorKind.SYSTEM, display=who)
        return SYSTEM


SYSTEM = Actor(ActorKind.SYSTEM, display=SYSTEM_ACTOR)


def user_of(who: User | AnonymousUser | str | None) -> User | None:
    """The signed-in user an actor is, for a foreign key or a permission check; None for the system and anonymous."""
    if isinstance(who, AbstractBaseUser) and who.pk is not None:
        return who  # type: ignore[return-value]  # the project's user model is django.contrib.auth's User
    return None


def may(who: User | AnonymousUser | str | None, permission: str) -> bool:
    """Whether this actor holds `permission`; the system and anonymous never do."""
    user = user_of(who)
    return user is not None and user.has_perm(permission)
