"""Channel writes for the admin and the API: validated, secret sealed and write-only, every change audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from remediation.actors import Actor
from remediation.models import NotificationChannel
from remediation.models.secrets import seal
from remediation.services.audit import diff, record_event, snapshot

CHANNEL_FIELDS = ("name", "kind", "url", "recipients", "enabled", "severity_floor", "events", "is_default")


def _audit_snapshot(channel: NotificationChannel) -> dict[str, Any]:
    data = snapshot(channel, fields=CHANNEL_FIELDS)
    data["secret_stored"] = channel.has_secret
    return data


def _apply(channel: NotificationChannel, fields: Mapping[str, Any], secret: str | None, clear_secret: bool) -> None:
    for name in CHANNEL_FIELDS:
        if name in fields:
            setattr(channel, name, fields[name])
    if secret:
        channel.secret = seal(secret)
    elif clear_secret:
        channel.secret = None
    channel.full_clean()


def validate_channel(
    channel: NotificationChannel | None, *, fields: Mapping[str, Any], secret: str | None, clear_secret: bool = False
) -> None:
    """Check a create/update would succeed, on a copy (what a form calls before the real write)."""
    copy = NotificationChannel.objects.get(pk=channel.pk) if channel and channel.pk else NotificationChannel()
    _apply(copy, fields, secret, clear_secret)


@transaction.atomic
def create_channel(*, actor: Actor, fields: Mapping[str, Any], secret: str | None) -> NotificationChannel:
    """Create a channel; raises ValidationError. Audited with the secret shown as stored, never its value."""
    channel = NotificationChannel()
    _apply(channel, fields, secret, False)
    channel.save()
    known = [secret] if secret else []
    record_event(
        actor=actor,
        action="notification_channel.created",
        obj=channel,
        after=_audit_snapshot(channel),
        known_secrets=known,
    )
    return channel


@transaction.atomic
def update_channel(
    channel: NotificationChannel,
    *,
    actor: Actor,
    fields: Mapping[str, Any],
    secret: str | None = None,
    clear_secret: bool = False,
) -> NotificationChannel:
    """Change fields and replace or clear the secret; the audit marks a replaced secret as 'changed'."""
    channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    before = _audit_snapshot(channel)
    _apply(channel, fields, secret, clear_secret)
    channel.save()
    old, new = diff(before, _audit_snapshot(channel))
    new = dict(new or {})
    if secret:
        new["changed"] = ["secret"]
    if old or new:
        known = [secret] if secret else []
        record_event(
            actor=actor, action="notification_channel.updated", obj=channel, before=old, after=new, known_secrets=known
        )
    return channel


@transaction.atomic
def delete_channel(channel: NotificationChannel, *, actor: Actor) -> None:
    """Delete a channel and its delivery log."""
    before = _audit_snapshot(channel)
    pk, label = channel.pk, str(channel)
    channel.delete()
    record_event(
        actor=actor,
        action="notification_channel.deleted",
        object_type="remediation.notificationchannel",
        object_id=pk,
        object_repr=label,
        before=before,
    )
