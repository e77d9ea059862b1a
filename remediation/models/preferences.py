"""What a person sets for themselves: the time zone the portal shows times in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """One person's portal settings (a row only once they change one)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    time_zone = models.CharField(max_length=64, blank=True, help_text="IANA name; empty = the server's TIME_ZONE.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone or 'server time zone'})"
