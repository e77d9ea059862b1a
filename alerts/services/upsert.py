"""The episode upsert: one statement inserts new episodes, counts repeats and records a resolution, with RETURNING.

An episode is (source, fingerprint, starts_at): a delivery carries one source, so within it (fingerprint, starts_at)
is the key. Concurrent deliveries of the same episodes are serialised by that unique constraint, not
by a lock taken after the insert, and each row tells which delivery created it (`batch_id`) and which one resolved
it (`resolved_batch_id`). Big batches on PostgreSQL travel as one JSON document (remediation.bulk says why); a
single alert, and SQLite, use a VALUES list.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any, NamedTuple, cast

from django.db import connection
from django.db.models import Field
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from alerts.models import Alert
from remediation.bulk import json_recordset, json_rows, values_list, worth_json

Key = tuple[str, dt.datetime]
# Columns written for a new episode; a repeat only touches the counters and, once, the resolution.
FIELDS = (
    "fingerprint",
    "starts_at",
    "ends_at",
    "status",
    "alertname",
    "severity",
    "labels",
    "annotations",
    "generator_url",
    "receiver",
    "group_key",
    "external_url",
    "source",
    "ignored",
    "first_received_at",
    "last_received_at",
    "receive_count",
    "resolved_at",
    "batch_id",
    "resolved_batch_id",
)
CHUNK = 500  # rows per statement: far below SQLite's bind-parameter limit


class Stored(NamedTuple):
    """An episode's row after the upsert: its id, the delivery that created it and the one that resolved it."""

    pk: int
    created_by: uuid.UUID
    resolved_by: uuid.UUID | None


def _fields() -> list[Field[Any, Any]]:
    return [cast("Field[Any, Any]", Alert._meta.get_field(name)) for name in FIELDS]


def upsert_episodes(rows: list[Alert]) -> dict[Key, Stored]:
    """Insert or count every row (sorted by episode, so concurrent deliveries lock shared rows in one order)."""
    fields = _fields()
    stored: dict[Key, Stored] = {}
    with connection.cursor() as cursor:
        for first in range(0, len(rows), CHUNK):
            chunk = rows[first : first + CHUNK]
            if worth_json(len(chunk), fields):
                cursor.execute(_statement(connection.vendor, 0), [json_rows(chunk, fields)])
            else:
                params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in chunk for f in fields]
                cursor.execute(_statement(connection.vendor, len(chunk)), params)
            for pk, fingerprint, starts_at, created_by, resolved_by in cursor.fetchall():
                resolver = None if resolved_by is None else _uuid(resolved_by)
                stored[(fingerprint, _datetime(starts_at))] = Stored(pk, _uuid(created_by), resolver)
    return stored


@functools.lru_cache(maxsize=64)
def _statement(vendor: str, rows: int) -> str:
    """The upsert for `rows` rows as a VALUES list, or (rows=0) as one JSON document; built once per shape.

    `vendor` is only part of the cache key: quoting and the JSON route belong to one kind of database.
    """
    source = json_recordset(_fields()) if rows == 0 else values_list(rows, len(FIELDS))
    quote = connection.ops.quote_name
    table = quote(Alert._meta.db_table)
    columns = ", ".join(quote(field.column) for field in _fields())
    resolves = f"{table}.status = 'firing' AND excluded.status = 'resolved'"

    def on_resolve(column: str, value: str) -> str:
        return f"{quote(column)} = CASE WHEN {resolves} THEN {value} ELSE {table}.{quote(column)} END"

    # Every SET expression sees the row as it was, so a stale firing never reopens and only the first
    # resolution of an episode stamps resolved_batch_id with its delivery.
    update = ", ".join(
        [
            f"receive_count = {table}.receive_count + excluded.receive_count",
            "last_received_at = excluded.last_received_at",
            on_resolve("status", "'resolved'"),
            on_resolve("ends_at", "excluded.ends_at"),
            on_resolve("resolved_at", "excluded.resolved_at"),
            on_resolve("resolved_batch_id", "excluded.batch_id"),
        ]
    )
    # Identifiers come from the model's metadata; every value is a bind parameter.
    insert = f"INSERT INTO {table} ({columns}) {source}"
    returning = "RETURNING id, fingerprint, starts_at, batch_id, resolved_batch_id"
    key = ", ".join(quote(name) for name in ("source", "fingerprint", "starts_at"))
    return f"{insert} ON CONFLICT ({key}) DO UPDATE SET {update} {returning}"


def _datetime(value: dt.datetime | str) -> dt.datetime:
    """A returned starts_at: a datetime from PostgreSQL, text in UTC from SQLite."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None, value
        value = parsed
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


def _uuid(value: object) -> uuid.UUID:
    """A returned UUID: uuid.UUID from PostgreSQL, 32 hex digits from SQLite."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
