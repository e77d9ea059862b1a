"""Multi-row INSERT for PostgreSQL that stays cheap in Python: the rows travel as one JSON document.

Django's bulk_create sends PostgreSQL one array per column (UNNEST), and psycopg builds those arrays in Python,
escaping every element; a VALUES list instead has one parameter per cell, and psycopg re-parses any statement with
more than 50 parameters on every call. `json_recordset` turns the rows into one `jsonb_to_recordset` parameter that
the server expands; small batches get a VALUES list. Other databases keep Django's bulk_create.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateTimeField, Field, Model, UUIDField

PSYCOPG_CACHED_PARAMS = 50  # psycopg caches the parsing of statements with up to this many parameters
M = TypeVar("M", bound=Model)


def worth_json(rows: int, fields: Sequence[Field[Any, Any]]) -> bool:
    """Whether a batch is big enough, on PostgreSQL, for the JSON route to beat plain parameters."""
    return connection.vendor == "postgresql" and rows * len(fields) > PSYCOPG_CACHED_PARAMS


def json_recordset(fields: Sequence[Field[Any, Any]]) -> str:
    """`SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r(<column> <type>, …)` for these fields, in their order."""
    # varchar(n) is declared as varchar: the length is checked when the value is assigned to the column.
    record = ", ".join(
        f"{connection.ops.quote_name(f.column)} {str(f.db_type(connection)).split('(')[0]}" for f in fields
    )
    return f"SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r({record})"  # noqa: S608 (identifiers from the model)


def json_rows(objs: Sequence[Model], fields: Sequence[Field[Any, Any]]) -> str:
    """The JSON document `json_recordset` expands: one object per row, keyed by column."""
    return json.dumps([{f.column: _plain(f, getattr(obj, f.attname)) for f in fields} for obj in objs])


def _plain(field: Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, DateTimeField):
        return value.isoformat()
    if isinstance(field, UUIDField):
        return str(value)
    return value


def values_list(rows: int, width: int) -> str:
    """`VALUES (%s, …), …` for `rows` rows of `width` parameters."""
    return "VALUES " + ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * rows)


def bulk_insert(model: type[M], objs: list[M]) -> list[M]:
    """Insert `objs` and set their primary keys (like bulk_create without conflict handling).

    On PostgreSQL the statement is written here (Django's insert compiler costs more than the insert for the one to
    ten rows a webhook delivery brings); elsewhere it is Django's bulk_create.
    """
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if not objs or connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs)
    for obj in objs:
        for field in fields:
            setattr(obj, field.attname, field.pre_save(obj, add=True))  # auto_now_add and friends
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns})"
    returning = f"RETURNING {quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        if worth_json(len(objs), fields):
            cursor.execute(f"{insert} {json_recordset(fields)} {returning}", [json_rows(objs, fields)])
        else:
            params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs for f in fields]
            cursor.execute(f"{insert} {values_list(len(objs), len(fields))} {returning}", params)
        # Rows come back in the order they were given, as Django's own bulk_create relies on.
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    return objs
