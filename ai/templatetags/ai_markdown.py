"""Template filter rendering model-written Markdown as sanitized HTML."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ai.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)
