"""Vocabularies of the core app."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VIEWER = "Viewer", "Viewer"
    OPERATOR = "Operator", "Operator"
    APPROVER = "Approver", "Approver"
    ADMIN = "Admin", "Admin"


SYSTEM_ACTOR = "system"
