"""A real HTTP server on loopback for HTTP-step tests (counts every request it receives)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class HttpServer:
    """A real HTTP server on 127.0.0.1; paths: /status/<code>, /flaky/<n>, /slow/<seconds>, /headers, /redirect."""

    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, prefix: str = "/") -> int:
        with self.lock:
            return sum(1 for r in self.requests if r["path"].startswith(prefix))


def _handler(server: HttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            with server.lock:
                server.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                seen = sum(1 for r in server.requests if r["path"] == self.path)
            parts = self.path.split("?")[0].strip("/").split("/")
            status, reply = 200, json.dumps({"path": self.path, "body": body})
            if parts[0] == "status":
                status = int(parts[1])
            elif parts[0] == "flaky":
                status = 500 if seen <= int(parts[1]) else 200
            elif parts[0] == "slow":
                time.sleep(float(parts[1]))
            elif parts[0] == "redirect":
                status = 302
            elif parts[0] == "headers":
                reply = json.dumps(dict(self.headers))
            self.send_response(status)
            if status == 302:
                self.send_header("Location", server.base + "/status/200")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return Handler


@pytest.fixture
def http_server(settings) -> Iterator[HttpServer]:  # type: ignore[no-untyped-def]
    state = HttpServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
