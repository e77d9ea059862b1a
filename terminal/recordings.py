"""Session recordings as asciicast v2 files: one JSON header line, then one `[time, code, data]` line per event.

Written from the shell's reader and writer threads (never on the event loop), so every write takes a lock.
Output is decoded incrementally (a UTF-8 character split across two reads is kept whole); input is recorded only
when TERMINAL_RECORD_INPUT is on, because keystrokes include whatever a user types at a password prompt.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

CAST_SUFFIX = ".cast"
logger = logging.getLogger(__name__)


def recordings_root() -> Path:
    """The configured recordings directory (TERMINAL_RECORDINGS_DIR)."""
    return Path(settings.TERMINAL_RECORDINGS_DIR)


def recording_relpath(session_uuid: str, started_at: dt.datetime) -> str:
    """Where a session's recording lives, relative to the recordings directory (dated folders ease retention)."""
    return f"{started_at:%Y/%m/%d}/{session_uuid}{CAST_SUFFIX}"


def resolve(relpath: str) -> Path:
    """Absolute path of a stored recording; refuses anything that escapes the recordings directory."""
    root = recordings_root().resolve()
    path = (root / relpath).resolve()
    if root not in path.parents:
        raise ValueError("recording path outside the recordings directory")
    return path


CUT_NOTICE = "\r\n[recording cut: it reached TERMINAL_RECORDING_MAX_BYTES ({limit} bytes); the session went on]\r\n"


class CastRecorder:
    """Appends asciicast v2 events for one session; thread-safe; counts the bytes it saw each way.

    A recording stops growing at `max_bytes` (TERMINAL_RECORDING_MAX_BYTES): its last event says it was cut there,
    the cut is logged, and the byte counts keep counting what the session moved.
    """

    def __init__(
        self, path: Path, *, width: int, height: int, title: str, record_input: bool, max_bytes: int | None = None
    ) -> None:
        # Recordings hold whatever the shell printed: files readable by the service account only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self.record_input = record_input
        self.bytes_out = 0
        self.bytes_in = 0
        self.max_bytes = settings.TERMINAL_RECORDING_MAX_BYTES if max_bytes is None else max_bytes
        self.written = 0
        self.cut = False
        self._lock = threading.Lock()
        self._decoders = {"o": codecs.getincrementaldecoder("utf-8")("replace")}
        self._decoders["i"] = codecs.getincrementaldecoder("utf-8")("replace")
        self._start = time.monotonic()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: IO[str] | None = os.fdopen(descriptor, "w", encoding="utf-8")
        header = {
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": int(time.time()),
            "title": title,
            "env": {"TERM": "xterm-256color", "SHELL": ""},
        }
        self._write_line(header)

    def _write_line(self, value: Any) -> None:
        if self._file is not None:
            line = json.dumps(value, ensure_ascii=False) + "\n"
            self._file.write(line)
            self.written += len(line)

    def _event(self, code: str, text: str) -> None:
        with self._lock:
            if not text or self.cut:
                return
            if self.written + len(text) > self.max_bytes:
                self.cut = True
                logger.warning(
                    "terminal recording %s cut at %d bytes (TERMINAL_RECORDING_MAX_BYTES)", self.path.name, self.written
                )
                text, code = CUT_NOTICE.format(limit=self.max_bytes), "o"
            self._write_line([round(time.monotonic() - self._start, 6), code, text])

    def output(self, data: bytes) -> None:
        """Record bytes the server sent."""
        self.bytes_out += len(data)
        self._event("o", self._decoders["o"].decode(data))

    def input(self, data: bytes) -> None:
        """Count bytes the user sent; record them only when input recording is on."""
        self.bytes_in += len(data)
        if self.record_input:
            self._event("i", self._decoders["i"].decode(data))

    def resize(self, cols: int, rows: int) -> None:
        """Record a terminal resize (asciicast v2 `r` event)."""
        self._event("r", f"{cols}x{rows}")

    def close(self) -> None:
        """Flush the tail of any split character and close the file (idempotent)."""
        with self._lock:
            if self._file is None:
                return
            tail = self._decoders["o"].decode(b"", final=True)
            if tail and not self.cut:
                self._write_line([round(time.monotonic() - self._start, 6), "o", tail])
            self._file.close()
            self._file = None


@dataclass(frozen=True)
class Cast:
    """A parsed recording: its header and its events."""

    header: dict[str, Any]
    events: list[tuple[float, str, str]]

    def output_text(self) -> str:
        """Everything the terminal showed, concatenated (what a replay writes)."""
        return "".join(data for _t, code, data in self.events if code == "o")


def read_cast(path: Path) -> Cast:
    """Parse an asciicast v2 file; raises ValueError on a malformed one."""
    with path.open(encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        if not isinstance(header, dict) or header.get("version") != 2:
            raise ValueError("not an asciicast v2 recording")
        events = [tuple(json.loads(line)) for line in handle if line.strip()]
    return Cast(header=header, events=events)  # type: ignore[arg-type]
