"""Vocabularies of the runbooks app."""

from __future__ import annotations
