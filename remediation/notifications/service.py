"""Routing an event to channels, the severity floor, quiet repeats, and queueing the deliveries after commit."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from remediation import jobs
from remediation.choices import SEVERITY_RANK, NotificationSeverity
from remediation.models import NotificationChannel, NotificationDelivery
from remediation.notifications.events import Event

logger = logging.getLogger(__name__)
DELIVER_TASK = "remediation.tasks.deliver_notification"
# Reverse names of the routing many-to-many fields the higher apps declare (runbooks.Runbook, the alerts Rule).
ROUTES = (("runbook_id", "runbooks"), ("rule_id", "rules"))


def _route_names() -> set[str]:
    return {f.name for f in NotificationChannel._meta.get_fields() if f.is_relation}


def channels_for(event: Event) -> list[NotificationChannel]:
    """The channels the event's rule and runbook route to (the default channels when they route none)."""
    present = _route_names()
    routed = Q()
    for attribute, relation in ROUTES:
        value = getattr(event, attribute)
        if value is not None and relation in present:
            routed |= Q(**{f"{relation}__id": value})
    candidates = NotificationChannel.objects.filter(routed).distinct() if routed else NotificationChannel.objects.none()
    if not candidates.exists():
        candidates = NotificationChannel.objects.filter(is_default=True)
    return [channel for channel in candidates.order_by("id") if wants(channel, event)]


def wants(channel: NotificationChannel, event: Event) -> bool:
    """Enabled, subscribed to the kind (or to all) and the event at or above the channel's severity floor."""
    floor = SEVERITY_RANK[NotificationSeverity(channel.severity_floor)]
    return (
        channel.enabled
        and (not channel.events or event.kind in channel.events)
        and SEVERITY_RANK[NotificationSeverity(event.severity)] >= floor
    )


def _repeated(channel: NotificationChannel, event: Event, now: dt.datetime) -> bool:
    if not event.dedup_key:
        return False
    since = now - dt.timedelta(seconds=settings.NOTIFY_REPEAT_SECONDS)
    return NotificationDelivery.objects.filter(
        channel=channel, event=event.kind, dedup_key=event.dedup_key, created_at__gt=since
    ).exists()


def notify(event: Event, *, now: dt.datetime | None = None) -> list[NotificationDelivery]:
    """Store one delivery per wanted channel (quiet repeats skipped) and queue each after commit; never raises.

    A failure here must not undo what the caller did, so the work runs in its own savepoint and is only logged.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _queue(event, now)
    except DatabaseError:
        logger.exception("notification %s could not be queued", event.kind)
        return []


def _queue(event: Event, now: dt.datetime) -> list[NotificationDelivery]:
    wanted = [c.pk for c in channels_for(event)]
    # Locking the channel rows serialises concurrent events, so a quiet repeat is never sent twice in a race.
    channels = NotificationChannel.objects.select_for_update().filter(pk__in=wanted).order_by("id")
    payload = event.payload()
    deliveries = [
        NotificationDelivery.objects.create(
            channel=channel,
            event=event.kind,
            severity=event.severity,
            dedup_key=event.dedup_key[:200],
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for channel in channels
        if not _repeated(channel, event, now)
    ]
    jobs.enqueue_after_commit(DELIVER_TASK, *[d.pk for d in deliveries], name_prefix="notify.")
    return deliveries
