"""Bearer tokens that authenticate Alertmanager (or any other source) on the webhook."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

rate_validator = RegexValidator(r"^[1-9][0-9]{0,8}/[smh]$", "Use deliveries per window, e.g. 30000/m (s, m or h).")


def hash_token(raw: str) -> str:
    """SHA-256 of a token: tokens are 256-bit random, so a fast hash is enough and lookups stay indexed."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class WebhookToken(models.Model):
    """A named, revocable bearer token; only its hash and a short prefix are stored."""

    name = models.CharField(max_length=100, unique=True, help_text="The source, e.g. alertmanager-prod.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rate_limit = models.CharField(
        max_length=16,
        blank=True,
        validators=[rate_validator],
        help_text="Deliveries allowed for this token, e.g. 30000/m; empty uses WEBHOOK_RATE_LIMIT.",
    )
    # The scope of the source: which rules its alerts may reach and which servers they may target. New tokens start
    # with nothing allowed (their alerts are stored and recorded); tokens from before scopes existed were migrated
    # to all_rules and all_servers, the behaviour they had.
    all_rules = models.BooleanField(default=False, help_text="Its alerts may reach every rule.")
    rules = models.ManyToManyField(
        "alerts.Rule",
        blank=True,
        related_name="+",
        help_text="Otherwise only these rules (rules may also name sources).",
    )
    all_servers = models.BooleanField(default=False, help_text="Its alerts may target every server.")
    server_tags = models.JSONField(default=list, blank=True, help_text="Otherwise servers carrying one of these tags…")
    servers = models.ManyToManyField("remediation.Server", blank=True, related_name="+", help_text="…or these servers.")

    class Meta:
        db_table = "remediation_webhooktoken"  # kept from the kernel, where tokens lived until alerts 0004
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        tags = [] if self.server_tags is None else self.server_tags
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            raise ValidationError({"server_tags": "A list of tag names."})
        self.server_tags = sorted({t.strip() for t in tags})
