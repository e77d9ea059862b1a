"""Acknowledging an alert episode."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from remediation.actors import Actor, user_of
from remediation.services.audit import record_event


class AlreadyAcknowledged(Exception):
    """The episode was acknowledged before; nothing changed."""


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor: Actor, reason: str = "") -> Alert:
    """Mark an episode acknowledged by `actor`; audited as alert.acknowledged."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is not None:
        raise AlreadyAcknowledged(f"Alert {alert.pk} was already acknowledged.")
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = user_of(actor)
    locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record_event(
        actor=actor,
        action="alert.acknowledged",
        obj=locked,
        after={"acknowledged_at": locked.acknowledged_at},
        reason=reason[:2000],
    )
    return locked


BULK_LIMIT = 500  # episodes one bulk acknowledge may touch (a page holds at most 200)


def acknowledge_alerts(alert_ids: list[int], *, actor: Actor, reason: str = "") -> tuple[int, int]:
    """Acknowledge each chosen episode through acknowledge_alert (each one locked and audited on its own);
    returns (acknowledged now, already acknowledged before)."""
    done = skipped = 0
    for alert in Alert.objects.filter(pk__in=alert_ids[:BULK_LIMIT]).order_by("id"):
        try:
            acknowledge_alert(alert, actor=actor, reason=reason)
            done += 1
        except AlreadyAcknowledged:
            skipped += 1
    return done, skipped
