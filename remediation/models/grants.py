"""Grants: which servers a user may work on (by server or by tag); the role says what kind of work."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TerminalGrant(models.Model):
    """Lets one user work on one server, or on every server carrying a tag: open terminals, run and approve runbooks
    there, as far as the user's role allows each (`remediation.grants` decides)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terminal_grants")
    server = models.ForeignKey(
        "remediation.Server", null=True, blank=True, on_delete=models.CASCADE, related_name="terminal_grants"
    )
    tag = models.CharField(max_length=100, blank=True, help_text="Grant every server carrying this tag.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until revoked.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "terminal_terminalgrant"  # moved from the terminal app with its rows (remediation 0014)
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(server__isnull=False) & Q(tag="")) | (Q(server__isnull=True) & ~Q(tag="")),
                name="terminal_grant_server_xor_tag",
            ),
            models.UniqueConstraint(fields=["user", "server"], condition=Q(tag=""), name="terminal_grant_user_server"),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=Q(server__isnull=True), name="terminal_grant_user_tag"
            ),
        ]

    def __str__(self) -> str:
        target = f"server {self.server}" if self.server_id else f"tag {self.tag}"
        return f"{self.user} → {target}"

    def clean(self) -> None:
        self.tag = (self.tag or "").strip()
        if bool(self.server_id) == bool(self.tag):
            raise ValidationError("Choose either a server or a tag.")

    @property
    def active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()
