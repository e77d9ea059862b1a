"""A local OpenAI-compatible server for tests: scripted replies, SSE streaming, tool calls, errors, delays.

LiteLLM is pointed at it with `openai/<model>` and `api_base=<server.url>`, so the real request path runs. Every
request body is recorded (as parsed JSON) in `server.requests`, in order.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer. `status` other than 200 sends an OpenAI-style error; `raw` sends bytes as they are."""

    content: str = "OK"
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    raw: bytes | None = None
    delay: float = 0.0
    chunks: list[str] | None = None  # streaming: the deltas to send (default: content split into words)
    chunk_delay: float = 0.0
    gate_after: int | None = None  # streaming: send this many chunks, then wait for `gate` to be set
    gate: threading.Event = field(default_factory=threading.Event)
    prompt_tokens: int = 120
    completion_tokens: int = 30


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


class LLMServer:
    """Threaded loopback HTTP server answering /v1/chat/completions from a queue of Replies (default: "OK")."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def push(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.replies.popleft() if self.replies else self.default

    def start(self) -> LLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; a stream ends when the socket closes

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            reply = server.next_reply(body, {k.lower(): v for k, v in self.headers.items()})
            time.sleep(reply.delay)
            try:
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                elif reply.raw is not None:
                    self._send_bytes(reply.status, reply.raw)
                elif reply.status != 200:
                    self._send(reply.status, {"error": {"message": f"scripted {reply.status}", "type": "server"}})
                elif body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._send(200, _completion(body, reply))
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (a timeout test)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._send_bytes(status, json.dumps(payload).encode())

        def _send_bytes(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any], reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunks = reply.chunks if reply.chunks is not None else _words(reply.content)
            for index, text in enumerate(chunks):
                if reply.gate_after is not None and index == reply.gate_after:
                    reply.gate.wait(timeout=30)
                self._event(_chunk(body, {"content": text}))
                time.sleep(reply.chunk_delay)
            for position, call in enumerate(reply.tool_calls):
                self._event(_chunk(body, {"tool_calls": [{"index": position, **call}]}))
            finish = "tool_calls" if reply.tool_calls else "stop"
            self._event(_chunk(body, {}, finish_reason=finish))
            usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens}
            usage["total_tokens"] = reply.prompt_tokens + reply.completion_tokens
            self._event({**_chunk(body, {}), "choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
            self.wfile.flush()

    return Handler


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }
