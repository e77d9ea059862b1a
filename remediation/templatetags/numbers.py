"""Template filters for figures: a duration in seconds read by a person, a percentage."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def seconds(value: float | None) -> str:
    """4 → "4 s", 250 → "4 min 10 s", 7380 → "2 h 3 min", 200000 → "2 d 7 h"; None → "—"."""
    if value is None:
        return "—"
    total = round(float(value))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


@register.filter
def percent(value: float | None) -> str:
    """A percentage already out of 100 (66.7 → "66.7 %"); None → "—"."""
    return "—" if value is None else f"{value:g} %"


@register.filter
def ratio(value: float | None) -> str:
    """A fraction as a percentage (0.667 → "66.7 %"); None → "—"."""
    return "—" if value is None else percent(round(100 * float(value), 1))
