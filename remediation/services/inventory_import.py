"""Bulk import of servers from YAML or CSV: every row validated first, then all created or none."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from remediation.actors import Actor
from remediation.models import Credential, Server
from remediation.services.audit import record_event
from remediation.services.inventory import build_server, create_server

COLUMNS = ("name", "hostname", "port", "username", "credential", "environment", "tags", "aliases", "description")
BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": True}


class ImportRejected(Exception):
    """The file was not imported; `errors` lists {"row": n, "errors": {field: [messages]}} (rows count from 1)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} row(s) rejected; nothing imported.")
        self.errors = errors


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in str(value or "").replace(";", " ").replace(",", " ").split() if part]


def parse_rows(text: str, fmt: str) -> list[dict[str, Any]]:
    """Rows of a YAML list (or {servers: [...]}) or a CSV file with a header; raises ImportRejected."""
    if fmt == "yaml":
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ImportRejected([{"row": 0, "errors": {"content": [f"Not valid YAML: {exc}"]}}]) from exc
        if isinstance(data, dict):
            data = data.get("servers")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ImportRejected([{"row": 0, "errors": {"content": ["Expected a list of servers (mappings)."]}}])
        return data
    reader = csv.DictReader(io.StringIO(text))
    unknown = sorted(set(reader.fieldnames or ()) - {*COLUMNS, "enabled"})
    if not reader.fieldnames or unknown:
        message = f"Unknown columns: {', '.join(unknown)}." if unknown else "The CSV file needs a header row."
        raise ImportRejected([{"row": 0, "errors": {"content": [message]}}])
    return [dict(row) for row in reader]


def _row_data(row: dict[str, Any], credentials: dict[str, Credential]) -> dict[str, Any]:
    unknown = sorted(set(row) - {*COLUMNS, "enabled"})
    if unknown:
        raise ValidationError({"columns": f"Unknown field(s): {', '.join(map(str, unknown))}."})
    data: dict[str, Any] = {
        k: row[k] for k in ("name", "hostname", "username", "environment", "description") if k in row
    }
    data = {k: "" if v is None else str(v).strip() for k, v in data.items()}
    data.setdefault("environment", "production")
    data["port"] = str(row.get("port") or 22).strip()
    data["tags"], data["aliases"] = _split(row.get("tags")), _split(row.get("aliases"))
    enabled = row.get("enabled", True)
    data["enabled"] = enabled if isinstance(enabled, bool) else BOOLEAN.get(str(enabled).strip().lower(), None)
    if data["enabled"] is None:
        raise ValidationError({"enabled": "Use true or false."})
    name = str(row.get("credential") or "").strip()
    if name and name not in credentials:
        raise ValidationError({"credential": f"No credential named {name!r}."})
    data["credential"] = credentials.get(name)
    return data


def validate_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated server data for every row, or ImportRejected with the errors of every bad row."""
    credentials = {c.name: c for c in Credential.objects.all()}
    counts = Counter(str(row.get("name", "")).strip() for row in rows)
    errors: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        try:
            data = _row_data(row, credentials)
            build_server(data)
            if counts[data.get("name", "")] > 1:
                raise ValidationError({"name": "Appears more than once in this file."})
            valid.append(data)
        except ValidationError as exc:
            errors.append({"row": number, "errors": exc.message_dict})
    if not rows:
        errors.append({"row": 0, "errors": {"content": ["The file holds no servers."]}})
    if errors:
        raise ImportRejected(errors)
    return valid


def import_servers(text: str, fmt: str, *, actor: Actor) -> list[Server]:
    """Create every server of the file in one transaction (each audited), or raise ImportRejected."""
    valid = validate_rows(parse_rows(text, fmt))
    servers: list[Server] = []
    try:
        with transaction.atomic():
            for data in valid:
                servers.append(create_server(actor=actor, data=data))
            record_event(
                actor=actor,
                action="server.imported",
                object_type="remediation.server",
                after={"format": fmt, "count": len(servers), "names": [s.name for s in servers]},
            )
    except ValidationError as exc:  # a concurrent change since validation; the transaction rolled back
        raise ImportRejected([{"row": len(servers) + 1, "errors": exc.message_dict}]) from exc
    return servers
