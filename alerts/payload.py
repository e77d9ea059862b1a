"""Parsing and validating the Alertmanager v4 webhook body into plain records (no database access here)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from remediation.instants import to_utc

# Alertmanager's "no end" timestamp: the zero value of Go's time.Time.
ZERO_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
STATUSES = ("firing", "resolved")
FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
SEPARATOR = 0xFF


class PayloadError(ValueError):
    """An invalid body: `errors` maps a field path (e.g. alerts[2].labels.severity) to its problems."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid webhook payload")
        self.errors = errors


@dataclass(slots=True)
class IncomingAlert:
    """One alert of the payload, validated."""

    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    generator_url: str
    fingerprint: str


@dataclass(slots=True)
class Batch:
    """The whole webhook delivery, validated."""

    receiver: str = ""
    group_key: str = ""
    external_url: str = ""
    alerts: list[IncomingAlert] = field(default_factory=list)


def literal_text(value: str) -> str:
    """Make text storable as-is: NUL, undecodable bytes and lone surrogates become visible escapes like \\xff."""
    if "\x00" in value:
        value = value.replace("\x00", "\\x00")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(ch) for ch in value)
    return value


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte of the body that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate escape in the JSON text
        return f"\\u{code:04x}"
    return ch


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a 64 over the sorted names and values, 0xff-separated."""
    value = FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8", "surrogatepass"):
                value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
            value = ((value ^ SEPARATOR) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def parse_time(raw: Any) -> dt.datetime | None:
    """RFC 3339 with an offset, returned in UTC; Alertmanager's zero time means "none"; raises ValueError otherwise.

    Only 1970-01-01 to 9998-12-31 (UTC) is accepted: year 1 with an offset would be stored as a BC timestamp
    (which breaks every page reading it on PostgreSQL) and year 9999 with a negative offset overflows.
    """
    if not isinstance(raw, str):
        raise ValueError("must be an RFC 3339 timestamp string")
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{literal_text(raw[:64])!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None or "T" not in raw.upper():
        raise ValueError("must be an RFC 3339 timestamp with a time zone offset")
    if parsed.replace(tzinfo=None) == ZERO_TIME.replace(tzinfo=None):
        return None  # Go's zero time.Time, whatever offset it was written with
    return to_utc(parsed)


def _string_map(value: Any, where: str, errors: dict[str, list[str]]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.setdefault(where, []).append("must be an object of string values")
        return {}
    clean: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str):
            errors.setdefault(f"{where}.{literal_text(key)}", []).append("must be a string")
            continue
        clean[literal_text(key)] = literal_text(item)
    return clean


def _text(raw: dict[str, Any], key: str, where: str, errors: dict[str, list[str]]) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(f"{where}{key}", []).append("must be a string")
        return ""
    return literal_text(value)


def _alert(raw: Any, where: str, errors: dict[str, list[str]]) -> IncomingAlert | None:
    if not isinstance(raw, dict):
        errors.setdefault(where, []).append("must be an object")
        return None
    before = len(errors)
    status = raw.get("status")
    if status not in STATUSES:
        errors.setdefault(f"{where}.status", []).append("must be 'firing' or 'resolved'")
    if "labels" not in raw:
        errors.setdefault(f"{where}.labels", []).append("is required")
    labels = _string_map(raw.get("labels", {}), f"{where}.labels", errors)
    annotations = _string_map(raw.get("annotations") or {}, f"{where}.annotations", errors)
    starts_at = ends_at = None
    try:
        starts_at = parse_time(raw.get("startsAt"))
        if starts_at is None:
            errors.setdefault(f"{where}.startsAt", []).append("must be a real time, not the zero time")
    except ValueError as exc:
        errors.setdefault(f"{where}.startsAt", []).append(str(exc))
    if raw.get("endsAt") not in (None, ""):
        try:
            ends_at = parse_time(raw["endsAt"])
        except ValueError as exc:
            errors.setdefault(f"{where}.endsAt", []).append(str(exc))
    generator_url = _text(raw, "generatorURL", f"{where}.", errors)
    given = _text(raw, "fingerprint", f"{where}.", errors)
    if len(given) > 64:
        errors.setdefault(f"{where}.fingerprint", []).append("must be at most 64 characters")
    if len(errors) > before or starts_at is None:
        return None
    return IncomingAlert(
        status=str(status),
        labels=labels,
        annotations=annotations,
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        generator_url=generator_url,
        fingerprint=given or fingerprint(labels),
    )


def parse_payload(body: bytes) -> Batch:
    """Validate a webhook body; raises PayloadError listing every problem (so nothing is half-stored)."""
    try:
        # surrogateescape keeps bytes that are not UTF-8; literal_text later shows them as \xNN, never interprets.
        data = json.loads(body.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError) as exc:
        raise PayloadError({"body": [f"is not valid JSON: {literal_text(str(exc))[:200]}"]}) from None
    if not isinstance(data, dict):
        raise PayloadError({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    version = data.get("version", "4")
    if version != "4":
        errors["version"] = [f"unsupported webhook version {literal_text(str(version))[:20]!r}; expected '4'"]
    raw_alerts = data.get("alerts")
    if not isinstance(raw_alerts, list):
        errors["alerts"] = ["is required and must be a list"]
        raw_alerts = []
    batch = Batch(
        receiver=_text(data, "receiver", "", errors)[:200],
        group_key=_text(data, "groupKey", "", errors),
        external_url=_text(data, "externalURL", "", errors),
    )
    for index, raw in enumerate(raw_alerts):
        alert = _alert(raw, f"alerts[{index}]", errors)
        if alert is not None:
            batch.alerts.append(alert)
    if errors:
        raise PayloadError(errors)
    return batch
