"""Numbers as the portal shows them: a rate stored as a fraction (0.667) reads as a percentage (66.7 %)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter(name="percent")
def percent(value: object) -> str:
    """`0.667` → `66.7 %`; None (no data) → empty, so `|default:"—"` still applies."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value * 100:.1f} %"
