"""Factories of the alerts app."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from alerts.models import Alert


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    fingerprint = factory.Sequence(lambda n: f"{n:016x}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    status = "firing"
    alertname = "DiskFull"
    severity = "warning"
    labels = factory.LazyAttribute(lambda a: {"alertname": a.alertname, "severity": a.severity})
    annotations = factory.LazyFunction(lambda: {"summary": "disk almost full"})
    first_received_at = factory.LazyFunction(timezone.now)
    last_received_at = factory.LazyFunction(timezone.now)
    batch_id = factory.LazyFunction(uuid.uuid4)
