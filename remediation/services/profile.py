"""A signed-in person's own settings: the time zone the portal shows times in, and their password."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from remediation.actors import Actor
from remediation.models import UserPreference
from remediation.services.access import access_changed
from remediation.services.audit import record_event
from remediation.services.tokens import revoke_user_tokens


@cache
def time_zones() -> list[str]:
    """Every IANA time zone this Python knows, sorted (what the profile page offers)."""
    return sorted(zoneinfo.available_timezones())


def time_zone_of(user: User) -> str:
    """The zone `user` chose, or the server's TIME_ZONE."""
    chosen = UserPreference.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return chosen or settings.TIME_ZONE


@transaction.atomic
def set_time_zone(user: User, zone: str, *, actor: Actor) -> str:
    """Choose the zone the portal shows `user` times in ("" = the server's); audited. Raises ValidationError."""
    if zone and zone not in time_zones():
        raise ValidationError({"time_zone": f"Unknown time zone {zone[:64]!r}; choose one from the list."})
    preference, _ = UserPreference.objects.select_for_update().get_or_create(user=user)
    before = preference.time_zone
    preference.time_zone = zone
    preference.save(update_fields=["time_zone", "updated_at"])
    record_event(
        actor=actor, action="user.time_zone_changed", obj=user, before={"time_zone": before}, after={"time_zone": zone}
    )
    return zone or settings.TIME_ZONE


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str, actor: Actor) -> None:
    """Change `user`'s password after checking the old one and the password rules; revokes their API tokens and
    tells their open sockets to re-check. Raises ValidationError (nothing changed)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "The current password is not right."})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record_event(actor=actor, action="user.password_changed", obj=user, reason="changed on the profile page")
    revoke_user_tokens(user, actor=actor, reason="password changed")
    access_changed([user.pk], cause="auth.user.password_changed")
