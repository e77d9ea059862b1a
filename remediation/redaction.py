"""Masking of secrets in structured data, free text and log records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "********"
# Values that say something about a secret without being one; kept as they are under secret-named keys.
SECRET_STATE_MARKERS = frozenset({"set", "not set", "changed", "cleared", MASK})

# Keys whose values are secrets wherever they appear (audit before/after, API echoes, step output context).
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|authorization|cookie|session[_-]?id)",
    re.IGNORECASE,
)

# Secret-looking fragments in free text (logs, command output, prompts).
TEXT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL),
        "-----BEGIN PRIVATE KEY-----" + MASK + "-----END PRIVATE KEY-----",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), MASK),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    (
        re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"),
        r"\1\2" + MASK,
    ),
]


def mask_text(text: str, known_secrets: Iterable[str] = ()) -> str:
    """Replace known secret values, then secret-looking fragments, with a mask."""
    for secret in sorted({s for s in known_secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask_data(value: Any, known_secrets: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like data with secret-named keys masked and secret text replaced."""
    secrets = tuple(known_secrets)
    if isinstance(value, dict):
        return {
            key: (MASK if value[key] not in (None, "") and value[key] not in SECRET_STATE_MARKERS else value[key])
            if isinstance(key, str) and SECRET_KEY_PATTERN.search(key)
            else mask_data(value[key], secrets)
            for key in value
        }
    if isinstance(value, (list, tuple)):
        return [mask_data(item, secrets) for item in value]
    if isinstance(value, str):
        return mask_text(value, secrets)
    return value


class RedactingLogFilter(logging.Filter):
    """Masks secret-looking text in every log record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
