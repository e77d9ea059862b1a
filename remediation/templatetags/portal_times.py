"""The portal's one timestamp format: `2026-12-06 15:44:26 UTC`, in the active time zone, zone always shown."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

FORMAT = "Y-m-d H:i:s T"


def format_instant(value: datetime) -> str:
    """`value` in the active time zone as `Y-m-d H:i:s <zone>` (naive values are taken as the default zone's)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return date_format(timezone.localtime(value), FORMAT)


@register.filter(name="when", expects_localtime=False)
def when(value: object) -> SafeString | str:
    """A `<time>` element with the machine-readable instant; empty for None (so `|default:"—"` still works)."""
    if not isinstance(value, datetime):
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), format_instant(value))


@register.filter(name="when_text", expects_localtime=False)
def when_text(value: object) -> str:
    """The same format as plain text, for attributes such as `title`."""
    return format_instant(value) if isinstance(value, datetime) else ""
