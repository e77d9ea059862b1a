"""Models of the ai app."""

from __future__ import annotations
