"""Sending one stored delivery from the worker: claim it, send, record the outcome, back off and retry."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from remediation import jobs
from remediation.choices import DeliveryStatus
from remediation.models import NotificationDelivery
from remediation.models.secrets import SecretDecryptionError, unseal
from remediation.notifications.senders import SendFailed, send
from remediation.notifications.service import DELIVER_TASK
from remediation.redaction import mask_text

logger = logging.getLogger(__name__)
STUCK_SENDING = dt.timedelta(minutes=5)  # a worker that died mid-send leaves `sending` behind; well past any timeout


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: NOTIFY_RETRY_BASE_SECONDS doubled per attempt already made."""
    return dt.timedelta(seconds=settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Make one attempt if this message claims the delivery (queued and due); returns the resulting status."""
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = NotificationDelivery.objects.filter(due, pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return "not claimed"
    delivery = NotificationDelivery.objects.select_related("channel").get(pk=delivery_id)
    secret = ""
    try:
        secret = unseal(delivery.channel.secret) if delivery.channel.secret else ""
        send(delivery.channel, secret, delivery.payload, delivery.pk)
    except (SendFailed, SecretDecryptionError) as exc:
        return _failed(delivery, mask_text(str(exc), [secret] if secret else []), now)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return DeliveryStatus.SENT


def _failed(delivery: NotificationDelivery, error: str, now: dt.datetime) -> str:
    final = delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    status = DeliveryStatus.FAILED if final else DeliveryStatus.QUEUED
    next_at = None if final else now + backoff(delivery.attempts)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=status, last_error=error[:2000], next_attempt_at=next_at
    )
    logger.warning("notification delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
    return status


def purge_deliveries(now: dt.datetime) -> dict[str, int]:
    """Delete sent and failed deliveries created before RETENTION_EXECUTIONS_DAYS (a retention purger)."""
    from remediation.services.retention import cutoff

    before = cutoff("RETENTION_EXECUTIONS_DAYS", now)
    if before is None:
        return {"notification_deliveries": 0}
    ended = [DeliveryStatus.SENT, DeliveryStatus.FAILED]
    deleted, _ = NotificationDelivery.objects.filter(status__in=ended, created_at__lt=before).delete()
    return {"notification_deliveries": deleted}


def send_due(*, now: dt.datetime | None = None) -> int:
    """Queue every delivery whose retry is due (and free ones a dead worker left `sending`); returns how many."""
    now = now or timezone.now()
    NotificationDelivery.objects.filter(status=DeliveryStatus.SENDING, updated_at__lt=now - STUCK_SENDING).update(
        status=DeliveryStatus.QUEUED, next_attempt_at=now
    )
    # Fresh rows are sent by their own after-commit message; the sweeper only takes those left waiting.
    settled = now - dt.timedelta(seconds=settings.REDISPATCH_AFTER_SECONDS)
    due = NotificationDelivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now).filter(
        Q(attempts__gt=0) | Q(created_at__lt=settled)
    )
    return jobs.enqueue_many_now(DELIVER_TASK, due.order_by("id").values_list("pk", flat=True))
