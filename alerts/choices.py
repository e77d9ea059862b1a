"""Vocabularies of the alerts app."""

from __future__ import annotations

from django.db import models


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"
