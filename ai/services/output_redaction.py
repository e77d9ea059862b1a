"""Command output as the model and the transcript may see it: secrets masked, configured patterns masked, capped."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings

from ai.models import RedactionPattern
from remediation.redaction import MASK, mask_text

TRUNCATED = "\n[… output truncated by the investigation output cap …]"


def configured_patterns() -> list[re.Pattern[str]]:
    """AI_INVESTIGATION_REDACT_PATTERNS plus the enabled admin patterns; an invalid one is skipped."""
    sources = [
        *settings.AI_INVESTIGATION_REDACT_PATTERNS,
        *RedactionPattern.objects.filter(enabled=True).values_list("pattern", flat=True),
    ]
    patterns = []
    for source in sources:
        try:
            patterns.append(re.compile(source))
        except re.error:
            continue
    return patterns


def redact_output(
    text: str, *, secrets: Iterable[str], patterns: Iterable[re.Pattern[str]] | None = None, limit: int | None = None
) -> tuple[str, bool]:
    """Masked text and whether it was truncated: known secret values, private key blocks (a block cut short has
    everything after its BEGIN line masked), secret-looking text, then the configured patterns; capped last."""
    masked = mask_text(text, secrets)
    for pattern in configured_patterns() if patterns is None else patterns:
        masked = pattern.sub(MASK, masked)
    cap = int(settings.AI_INVESTIGATION_OUTPUT_LIMIT) if limit is None else limit
    if len(masked) <= cap:
        return masked, False
    return masked[:cap] + TRUNCATED, True
