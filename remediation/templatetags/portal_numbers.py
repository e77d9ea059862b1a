"""Numbers as the portal shows them: a rate stored as a fraction (0.667) reads 66.7 %, a duration 4 min 10 s."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter(name="percent")
def percent(value: object) -> str:
    """`0.667` → `66.7 %`; None (no data) → empty, so `|default:"—"` still applies."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value * 100:.1f} %"


@register.filter(name="percentage")
def percentage(value: object) -> str:
    """A percentage already out of 100 (the incident numbers' `66.7`) → `66.7 %`; None → empty."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:g} %"


@register.filter(name="seconds")
def seconds(value: object) -> str:
    """A duration for a person: 4 → `4 s`, 250 → `4 min 10 s`, 7380 → `2 h 3 min`, 200000 → `2 d 7 h`; None → `—`."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    days, rest = divmod(round(value), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
