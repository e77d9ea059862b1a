"""What each channel kind sends (Slack, Teams/Mattermost, signed JSON, email) and the one HTTP POST they share.

Every network call has a short timeout (NOTIFY_TIMEOUT_SECONDS) and runs only inside the delivery task.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from remediation.choices import ChannelKind
from remediation.models import NotificationChannel

SIGNATURE_HEADER = "X-Remediation-Signature"
TIMESTAMP_HEADER = "X-Remediation-Timestamp"


class SendFailed(Exception):
    """The receiver refused or did not answer (the message may be secret-bearing: mask before storing)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _text(payload: Mapping[str, Any]) -> str:
    lines = [f"[{payload['severity'].upper()}] {payload['title']}: {payload['summary']}"]
    if payload.get("link"):
        lines.append(f"Open: {payload['link']}")
    return "\n".join(lines)


def slack_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: fallback text plus one section block (and a link when there is one)."""
    heading = f"*[{payload['severity'].upper()}] {payload['title']}*\n{payload['summary']}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    if payload.get("link"):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{payload['link']}|Open in the portal>"}}
        )
    return {"text": _text(payload), "blocks": blocks}


def teams_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Teams connector MessageCard; its `text` is also what Mattermost's Slack-compatible hook shows."""
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": payload["title"],
        "title": f"[{payload['severity'].upper()}] {payload['title']}",
        "text": _text(payload),
    }
    if payload.get("link"):
        targets = [{"os": "default", "uri": payload["link"]}]
        card["potentialAction"] = [{"@type": "OpenUri", "name": "Open in the portal", "targets": targets}]
    return card


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a receiver answers itself; following a redirect would resend the body elsewhere


def post_json(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST `body`; returns the status, raises SendFailed on a non-2xx answer, a refusal or a timeout."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SendFailed("the channel URL is not http(s)")
    # The scheme is checked just above, so no file: or custom scheme reaches urllib.
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})  # noqa: S310
    for name, value in headers.items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.NOTIFY_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"receiver answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendFailed(f"receiver unreachable: {type(exc).__name__}: {reason}") from None


def send(channel: NotificationChannel, secret: str, payload: Mapping[str, Any], delivery_id: int) -> None:
    """Send one payload through the channel's kind; raises SendFailed."""
    SENDERS[channel.kind](channel, secret, payload, delivery_id)


def _send_chat(body: Callable[[Mapping[str, Any]], dict[str, Any]]) -> Callable[..., None]:
    def sender(channel: NotificationChannel, secret: str, payload: Mapping[str, Any], delivery_id: int) -> None:
        post_json(secret or channel.url, json.dumps(body(payload)).encode(), {})

    return sender


def _send_webhook(channel: NotificationChannel, secret: str, payload: Mapping[str, Any], delivery_id: int) -> None:
    body = json.dumps({**payload, "delivery_id": delivery_id}, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "X-Remediation-Event": str(payload["event"]),
    }
    post_json(channel.url, body, headers)


def _send_email(channel: NotificationChannel, secret: str, payload: Mapping[str, Any], delivery_id: int) -> None:
    subject = f"[Remediation Engine] [{payload['severity'].upper()}] {payload['title']}"
    connection = get_connection(fail_silently=False, timeout=settings.NOTIFY_TIMEOUT_SECONDS)
    message = EmailMessage(subject, _text(payload), settings.DEFAULT_FROM_EMAIL, list(channel.recipients))
    try:
        connection.send_messages([message])
    except OSError as exc:  # smtplib errors are OSErrors too
        raise SendFailed(f"mail server refused or unreachable: {type(exc).__name__}: {exc}") from None


SENDERS: dict[str, Callable[..., None]] = {
    ChannelKind.SLACK: _send_chat(slack_body),
    ChannelKind.TEAMS: _send_chat(teams_body),
    ChannelKind.WEBHOOK: _send_webhook,
    ChannelKind.EMAIL: _send_email,
}
