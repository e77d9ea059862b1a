"""Instants that come from outside (alert times, filters): normalised to UTC and kept within 1970–9998."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime

MIN_YEAR, MAX_YEAR = 1970, 9998
RANGE = f"between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31 (UTC)"


def to_utc(value: dt.datetime) -> dt.datetime:
    """The same instant in UTC (a naive value is taken as UTC); ValueError outside 1970–9998.

    Year 1 with a positive offset would be stored as a BC timestamp (which breaks every page reading it on
    PostgreSQL) and year 9999 with a negative offset overflows: both are refused here, at the edge.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"must be {RANGE}") from None
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"must be {RANGE}")
    return utc


def parse_instant(raw: str) -> dt.datetime:
    """An ISO 8601 date-time (offset optional: UTC when missing) as a UTC instant; ValueError saying why not."""
    try:
        parsed = parse_datetime(raw.strip())
    except ValueError:
        parsed = None  # well-formed but impossible, e.g. month 13
    if parsed is None:
        raise ValueError(f"must be an ISO 8601 date-time, got {raw[:64]!r}")
    return to_utc(parsed)
