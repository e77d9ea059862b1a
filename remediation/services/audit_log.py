"""Reading the audit log: the filters shared by API and portal, and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping

from django.db.models import Q, QuerySet

from remediation.instants import parse_instant
from remediation.models import AuditEvent

CSV_COLUMNS = [
    "id",
    "created_at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "ip",
    "request_id",
]


class AuditFilterError(ValueError):
    """A filter value that cannot be used (bad date)."""


def _when(params: Mapping[str, str], name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except ValueError as exc:
        raise AuditFilterError(f"'{name}' {exc}.") from None


def filter_events(params: Mapping[str, str], queryset: QuerySet[AuditEvent] | None = None) -> QuerySet[AuditEvent]:
    """Apply actor, action (exact or `prefix.*`), object, request id, time range and free-text filters."""
    qs = queryset if queryset is not None else AuditEvent.objects.all()
    if actor := params.get("actor", "").strip():
        qs = qs.filter(actor_label=actor)
    if action := params.get("action", "").strip():
        qs = qs.filter(action__startswith=action[:-1]) if action.endswith("*") else qs.filter(action=action)
    for name in ("object_type", "object_id", "request_id"):
        if value := params.get(name, "").strip():
            qs = qs.filter(**{name: value})
    if since := _when(params, "since"):
        qs = qs.filter(created_at__gte=since)
    if until := _when(params, "until"):
        qs = qs.filter(created_at__lt=until)
    if text := params.get("q", "").strip():
        qs = qs.filter(Q(object_repr__icontains=text) | Q(reason__icontains=text) | Q(action__icontains=text))
    return qs


def _csv_cell(value: object) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else "" if value is None else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    """Stream the events as CSV lines (header first), newest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for event in queryset.order_by("-id").iterator(chunk_size=1000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(getattr(event, column)) for column in CSV_COLUMNS])
        yield buffer.getvalue()
