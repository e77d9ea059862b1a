"""Real notification receivers on loopback: an HTTP server that checks the HMAC signature, and aiosmtpd for email."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SECRET = "hmac-s3cret-for-tests-only"


@dataclass
class Receiver:
    """Records every POST; `mode` is ok, fail:<n> (answer 500 to the first n) or hang (accept and sleep)."""

    port: int = 0
    mode: str = "ok"
    secret: str = SECRET
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def verified(self) -> list[dict[str, Any]]:
        """The JSON bodies whose signature checked out (a bad signature fails the test at once)."""
        with self.lock:
            return [r["json"] for r in self.received if r["signature_ok"]]


def check_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (docs/notifications.md): HMAC-SHA256 of timestamp + "." + body, constant-time compare."""
    timestamp = headers.get("X-Remediation-Timestamp", "")
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(expected, headers.get("X-Remediation-Signature", ""))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers)
            if receiver.mode == "hang":
                time.sleep(30)
                return
            with receiver.lock:
                receiver.received.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "json": json.loads(body),
                        "signature_ok": check_signature(receiver.secret, headers, body),
                    }
                )
                failing = receiver.mode.startswith("fail:") and len(receiver.received) <= int(receiver.mode[5:])
                status = 500 if failing else 200
                receiver.answers.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True  # a hanging handler must not hold the test's teardown
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Any] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1: a real SMTP conversation; each received message is parsed and kept."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = message_from_bytes(envelope.original_content)
            box.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
            return "250 OK"

    with socket.socket() as probe:  # the controller checks its own start by connecting to the port it was given
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()
