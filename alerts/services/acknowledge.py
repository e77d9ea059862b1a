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
