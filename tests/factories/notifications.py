"""Factory of notification channels (a signed webhook by default; the secret is sealed on save)."""

from __future__ import annotations

import factory

from remediation.models import NotificationChannel


class NotificationChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationChannel

    name = factory.Sequence(lambda n: f"channel-{n}")
    kind = "webhook"
    url = "http://127.0.0.1:9/hook"
    secret = "hmac-s3cret-for-tests-only"
