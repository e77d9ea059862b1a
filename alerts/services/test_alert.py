"""A realistic Alertmanager delivery for trying the product without a Prometheus, and a token to send it with."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts.models import WebhookToken
from alerts.services.webhook_tokens import create_webhook_token, revoke_webhook_token, rotate_webhook_token
from remediation.actors import Actor

TEST_SOURCE = "send_test_alert"


def build_test_payload(*, alertname: str, instance: str, resolved: bool = False) -> dict[str, Any]:
    """An Alertmanager webhook (version 4) body with one alert, shaped like a real 0.25 delivery."""
    labels = {"alertname": alertname, "instance": instance, "job": "node", "severity": "warning"}
    # Alertmanager's fingerprint is a hash of the label set: the same labels are the same alert, so a resolved
    # delivery sent after a firing one closes that episode.
    fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    starts_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    status = "resolved" if resolved else "firing"
    ends_at = _rfc3339(timezone.now()) if resolved else "0001-01-01T00:00:00Z"
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": f"Test alert from send_test_alert on {instance}",
            "description": "Sent by manage.py send_test_alert to show the flow from webhook to remediation.",
        },
        "startsAt": _rfc3339(starts_at),
        "endsAt": ends_at,
        "generatorURL": "http://prometheus.invalid/graph?g0.expr=up%3D%3D0",
        "fingerprint": fingerprint,
    }
    group_labels = {"alertname": alertname}
    return {
        "version": "4",
        "receiver": "remediation-engine",
        "status": status,
        "groupKey": '{}:{alertname="' + alertname + '"}',
        "truncatedAlerts": 0,
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager.invalid:9093",
        "alerts": [alert],
    }


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@transaction.atomic
def issue_test_token() -> tuple[WebhookToken, str]:
    """A fresh secret for the test source, audited as system: the previous one stops working (each is a one-shot).

    One source, so a `--resolved` test alert resolves the episode the firing one opened (episodes belong to their
    source). Tokens of the older per-run test sources (`send_test_alert-…`) are revoked.
    """
    for earlier in WebhookToken.objects.filter(name__startswith=f"{TEST_SOURCE}-", revoked_at__isnull=True):
        revoke_webhook_token(earlier, actor=Actor.system())
    token = WebhookToken.objects.select_for_update().filter(name=TEST_SOURCE).first()
    if token is not None:
        return rotate_webhook_token(token, actor=Actor.system())
    # The test alert goes where a real one would: every rule (rules may still name the sources they hear) and every
    # server the rules' own scopes allow; an operator runs this command on purpose.
    return create_webhook_token(TEST_SOURCE, actor=Actor.system(), scope={"all_rules": True, "all_servers": True})


def post_delivery(url: str, token: str, payload: dict[str, Any], *, timeout: float = 10.0) -> tuple[int, str]:
    """POST a delivery as Alertmanager does (JSON, bearer token); returns the status and the response body."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (operator's URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
