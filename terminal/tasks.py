"""Background tasks of the terminal app (django-q2; each message carries only ids)."""

from __future__ import annotations
