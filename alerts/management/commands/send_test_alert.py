"""manage.py send_test_alert: POST a realistic Alertmanager delivery to a running instance's webhook."""

from __future__ import annotations

import json
import os
import urllib.error
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from alerts.services.test_alert import build_test_payload, issue_test_token, post_delivery


class Command(BaseCommand):
    help = (
        "Send one Alertmanager-shaped alert through the real webhook of a running instance (the whole path: "
        "authentication, intake, rules, remediation). Without --token (or WEBHOOK_TOKEN), a fresh token is issued "
        "for the source 'send_test_alert-…' and earlier ones are revoked; the token itself is never printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/hooks/alertmanager/")
        parser.add_argument("--token", default=os.environ.get("WEBHOOK_TOKEN", ""), help="Default: $WEBHOOK_TOKEN.")
        parser.add_argument("--alertname", default="RemediationEngineTest")
        parser.add_argument("--instance", default="localhost:9100", help="The instance label (a server name).")
        parser.add_argument("--resolved", action="store_true", help="Send the alert as resolved.")
        parser.add_argument("--payload", type=Path, help="Send this JSON file as it is instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        payload = self._payload(options)
        token = options["token"]
        if not token:
            try:
                row, token = issue_test_token()
            except DatabaseError as exc:
                raise CommandError(
                    f"Could not issue a test token ({exc}). Run this with the server's settings (the same .env and "
                    "DATABASE_URL), or pass --token."
                ) from exc
            self.stdout.write(f"Issued webhook token {row.name!r} ({row.prefix}…) for this test.")
        try:
            status, body = post_delivery(options["url"], token, payload)
        except (urllib.error.URLError, OSError) as exc:
            raise CommandError(f"Could not reach {options['url']}: {exc}. Is the server running?") from exc
        if status != 202:
            raise CommandError(f"The webhook answered {status}: {body[:500]}")
        self.stdout.write(self.style.SUCCESS(f"Delivered ({status}): {body}"))

    def _payload(self, options: dict[str, Any]) -> dict[str, Any]:
        if options["payload"] is None:
            return build_test_payload(
                alertname=options["alertname"], instance=options["instance"], resolved=options["resolved"]
            )
        try:
            data = json.loads(options["payload"].read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {options['payload']}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{options['payload']} is not a JSON object.")
        return data
