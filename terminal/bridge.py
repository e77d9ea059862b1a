"""Runs one terminal session between a blocking shell and an async WebSocket (no Channels, no paramiko here).

Threads do the blocking work: a reader thread reads the shell (the SSH seam's `drain`, the read loop the runbook
executor uses too) and records output, a writer thread sends
keystrokes and resizes. The event loop only moves bytes. Memory is bounded at every hop:

* reader → loop: at most QUEUE_CHUNKS chunks of READ_SIZE bytes; when the loop falls behind, the reader stops
  reading, paramiko's channel window fills and the remote side blocks (`cat` of a large file just waits);
* loop → browser: at most `window` bytes sent and not yet acknowledged; the page acknowledges what xterm.js has
  *rendered* ({"type": "ack", "bytes": N}), so a flood never queues megabytes in the browser and it stays usable;
* browser → shell: at most MAX_PENDING_INPUT bytes of keystrokes wait for the shell; more is dropped and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from remediation.ssh import CHUNK, SshError, drain
from terminal.choices import EndReason

logger = logging.getLogger(__name__)

READ_SIZE = CHUNK  # what drain() reads at a time
QUEUE_CHUNKS = 8
COALESCE_BYTES = 64 * 1024
MAX_COLS, MAX_ROWS = 1000, 500
# Keystrokes (pastes) waiting for a shell that does not read them; more is dropped and logged, not queued.
MAX_PENDING_INPUT = 1024 * 1024


class ShellPort(Protocol):
    """What the bridge needs from a shell (terminal.shell.Shell; a fake in unit tests)."""

    def read(self, size: int) -> bytes | None: ...
    def wait_exit(self, timeout: float) -> bool: ...
    def write(self, data: bytes) -> None: ...
    def resize(self, cols: int, rows: int) -> None: ...
    def close(self) -> None: ...

    @property
    def exit_status(self) -> int | None: ...


class RecorderPort(Protocol):
    """What the bridge needs from a recorder (terminal.recordings.CastRecorder)."""

    bytes_in: int
    bytes_out: int

    def output(self, data: bytes) -> None: ...
    def input(self, data: bytes) -> None: ...
    def resize(self, cols: int, rows: int) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    """Idle timeout and maximum length in seconds; flow-control window in bytes."""

    idle_seconds: float
    max_seconds: float
    window: int = 1024 * 1024


class Bridge:
    """Moves one session's bytes both ways, enforces its limits and says why it ended."""

    def __init__(
        self,
        shell: ShellPort,
        recorder: RecorderPort,
        send_output: Callable[[bytes], Awaitable[None]],
        limits: Limits,
    ) -> None:
        self.shell, self.recorder, self.limits = shell, recorder, limits
        self._send_output = send_output
        self._loop = asyncio.get_running_loop()
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._slots = threading.Semaphore(QUEUE_CHUNKS)
        self._writes: queue.SimpleQueue[bytes | tuple[int, int] | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._ended: asyncio.Future[str] = self._loop.create_future()
        self._window_open = asyncio.Event()
        self._window_open.set()
        self.sent = self.acked = 0
        self.pending_input = self.input_dropped = 0
        self._input_lock = threading.Lock()
        self.started = self.last_input = time.monotonic()

    # --- called by the consumer ----------------------------------------------------------------------------------
    def input(self, data: bytes) -> bool:
        """Queue keystrokes for the shell; False (logged) when MAX_PENDING_INPUT bytes already wait for it."""
        self.last_input = time.monotonic()
        if not data:
            return True
        with self._input_lock:
            if self.pending_input + len(data) > MAX_PENDING_INPUT:
                self.input_dropped += len(data)
                logger.warning(
                    "terminal input cut: %d bytes already wait for a shell that does not read; %d bytes dropped so far",
                    self.pending_input,
                    self.input_dropped,
                )
                return False
            self.pending_input += len(data)
        self._writes.put(data)
        return True

    def resize(self, cols: int, rows: int) -> None:
        """Queue a PTY resize."""
        self.last_input = time.monotonic()
        self._writes.put((max(1, min(cols, MAX_COLS)), max(1, min(rows, MAX_ROWS))))

    def ack(self, total: int) -> None:
        """The browser has rendered `total` bytes of output; reopen the window if it was full."""
        self.acked = max(self.acked, min(int(total), self.sent))
        if self.sent - self.acked < self.limits.window:
            self._window_open.set()

    def stop(self, reason: str) -> None:
        """End the session with `reason` (first reason wins)."""
        if not self._ended.done():
            self._ended.set_result(reason)

    # --- the session ----------------------------------------------------------------------------------------------
    async def run(self) -> str:
        """Pump until the shell exits, a limit is hit or stop() is called; close everything; return the reason."""
        threads = [
            threading.Thread(target=self._read_loop, name="terminal-reader", daemon=True),
            threading.Thread(target=self._write_loop, name="terminal-writer", daemon=True),
        ]
        for thread in threads:
            thread.start()
        tasks = [asyncio.ensure_future(self._pump()), asyncio.ensure_future(self._watch())]
        for task in tasks:
            task.add_done_callback(self._task_done)
        try:
            return await asyncio.shield(self._ended)
        finally:
            for task in tasks:
                task.cancel()
            self._stopping.set()
            self._writes.put(None)
            self._slots.release(QUEUE_CHUNKS)
            await asyncio.to_thread(self._shutdown, threads)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("terminal session failed", exc_info=task.exception())
            self.stop(EndReason.ERROR)

    def _shutdown(self, threads: list[threading.Thread]) -> None:
        self.shell.close()
        for thread in threads:
            thread.join(timeout=5)
        self.recorder.close()

    def _read_loop(self) -> None:
        """Read until the shell ends (b'' tells the loop) or the session stops; one queue slot per chunk."""
        self._slots.acquire()
        with contextlib.suppress(SshError):  # a lost connection ends the session like an exited shell
            drain(self.shell, self._hand_off, stop=self._stop_reading, wait_exit=False)
        self._hand_off(b"")

    def _stop_reading(self) -> str:
        return "stopping" if self._stopping.is_set() else ""

    def _hand_off(self, data: bytes) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed at process exit
            self._loop.call_soon_threadsafe(self._chunks.put_nowait, data)
        if data:  # after the hand-off: recording is off the keystroke echo's critical path
            self.recorder.output(data)
            self._slots.acquire()  # the next read waits for a free slot: backpressure down to the SSH window

    def _write_loop(self) -> None:
        while (item := self._writes.get()) is not None:
            if isinstance(item, tuple):
                self.shell.resize(*item)
                self.recorder.resize(*item)
            else:
                self.shell.write(item)
                with self._input_lock:
                    self.pending_input -= len(item)
                self.recorder.input(item)

    async def _pump(self) -> None:
        while True:
            data = await self._next_chunk()
            if not data:
                self.stop(EndReason.SHELL_EXITED)
                return
            parts, size = [data], len(data)
            while size < COALESCE_BYTES and not self._chunks.empty():
                more = await self._next_chunk()
                if not more:
                    self._chunks.put_nowait(b"")
                    break
                parts.append(more)
                size += len(more)
            if self.sent - self.acked >= self.limits.window:
                self._window_open.clear()
                await self._window_open.wait()
            self.sent += size
            await self._send_output(parts[0] if len(parts) == 1 else b"".join(parts))

    async def _next_chunk(self) -> bytes:
        data = await self._chunks.get()
        self._slots.release()
        return data

    async def _watch(self) -> None:
        tick = max(0.05, min(1.0, self.limits.idle_seconds / 4, self.limits.max_seconds / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self.last_input >= self.limits.idle_seconds:
                self.stop(EndReason.IDLE_TIMEOUT)
            elif now - self.started >= self.limits.max_seconds:
                self.stop(EndReason.MAX_DURATION)
