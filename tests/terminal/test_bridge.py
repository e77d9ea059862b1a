"""The bridge's flow control and limits, with a fake shell at the one seam (the real sshd is in test_consumer)."""

from __future__ import annotations

import asyncio
import threading
import time

from terminal.bridge import MAX_PENDING_INPUT, QUEUE_CHUNKS, READ_SIZE, Bridge, Limits
from terminal.choices import EndReason
from tests.terminal.conftest import run_async


class FloodShell:
    """Produces output as fast as it is read (like `cat` of an endless file); echoes what is written."""

    def __init__(self) -> None:
        self.reads = 0
        self.written: list[bytes] = []
        self.sizes: list[tuple[int, int]] = []
        self.closed = threading.Event()

    def read(self, size: int) -> bytes:
        if self.closed.is_set():
            return b""
        self.reads += 1
        return b"x" * size

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def resize(self, cols: int, rows: int) -> None:
        self.sizes.append((cols, rows))

    def close(self) -> None:
        self.closed.set()


class NullRecorder:
    bytes_in = bytes_out = 0

    def output(self, data: bytes) -> None:
        self.bytes_out += len(data)

    def input(self, data: bytes) -> None:
        self.bytes_in += len(data)

    def resize(self, cols: int, rows: int) -> None: ...

    def close(self) -> None: ...


def test_it_stops_reading_when_the_browser_does_not_acknowledge() -> None:
    shell, sent = FloodShell(), []

    async def scenario() -> str:
        async def send(data: bytes) -> None:
            sent.append(len(data))

        bridge = Bridge(shell, NullRecorder(), send, Limits(idle_seconds=60, max_seconds=60, window=256 * 1024))
        runner = asyncio.ensure_future(bridge.run())
        await asyncio.sleep(0.5)
        stalled_reads = shell.reads
        await asyncio.sleep(0.3)
        assert shell.reads == stalled_reads, "the reader kept reading with the window full"
        # Sent stops at the window (plus at most one coalesced frame); the rest waits in a bounded queue.
        assert 256 * 1024 <= sum(sent) <= 256 * 1024 + 64 * 1024
        assert shell.reads * READ_SIZE <= sum(sent) + (QUEUE_CHUNKS + 2) * READ_SIZE + 64 * 1024
        bridge.ack(sum(sent))
        await asyncio.sleep(0.2)
        assert shell.reads > stalled_reads, "an acknowledgement reopens the window"
        bridge.stop(EndReason.USER_CLOSED)
        return await runner

    assert run_async(scenario()) == EndReason.USER_CLOSED
    assert shell.closed.is_set()


def test_it_forwards_keystrokes_and_resizes_to_the_shell_in_order() -> None:
    shell = FloodShell()

    async def scenario() -> None:
        async def send(data: bytes) -> None: ...

        bridge = Bridge(shell, NullRecorder(), send, Limits(idle_seconds=60, max_seconds=60))
        runner = asyncio.ensure_future(bridge.run())
        bridge.input(b"l")
        bridge.input(b"s\r")
        bridge.resize(5000, 0)
        await asyncio.sleep(0.1)
        bridge.stop(EndReason.USER_CLOSED)
        await runner

    run_async(scenario())
    assert shell.written == [b"l", b"s\r"]
    assert shell.sizes == [(1000, 1)]


def test_it_ends_an_idle_session_and_a_session_past_its_maximum_length() -> None:
    async def run(limits: Limits) -> tuple[str, float]:
        async def send(data: bytes) -> None: ...

        started = time.monotonic()
        bridge = Bridge(FloodShell(), NullRecorder(), send, limits)
        reason = await bridge.run()
        return reason, time.monotonic() - started

    # Which limit ended it, and not before it was due (how soon after is a speed, measured in bench/terminal.py).
    reason, took = run_async(run(Limits(idle_seconds=0.3, max_seconds=60, window=1024)))
    assert reason == EndReason.IDLE_TIMEOUT and took >= 0.3
    reason, took = run_async(run(Limits(idle_seconds=60, max_seconds=0.3, window=1024)))
    assert reason == EndReason.MAX_DURATION and took >= 0.3


class StuckShell(FloodShell):
    """A shell that stops taking input (its channel window is full) until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def read(self, size: int) -> bytes:
        self.closed.wait()
        return b""

    def write(self, data: bytes) -> None:
        self.release.wait()
        super().write(data)

    def close(self) -> None:
        self.release.set()
        super().close()


def test_it_cuts_input_queued_for_a_shell_that_does_not_read_and_says_so(caplog) -> None:  # type: ignore[no-untyped-def]
    shell = StuckShell()
    paste = b"y" * (64 * 1024)

    async def scenario() -> list[bool]:
        async def send(data: bytes) -> None: ...

        bridge = Bridge(shell, NullRecorder(), send, Limits(idle_seconds=60, max_seconds=60))
        runner = asyncio.ensure_future(bridge.run())
        accepted = [bridge.input(paste) for _ in range((MAX_PENDING_INPUT // len(paste)) + 8)]
        assert bridge.pending_input <= MAX_PENDING_INPUT
        assert bridge.input_dropped >= 7 * len(paste)
        bridge.stop(EndReason.USER_CLOSED)
        await runner
        return accepted

    accepted = run_async(scenario())
    assert accepted[0] and not accepted[-1]
    assert "terminal input cut" in caplog.text
    assert sum(map(len, shell.written)) <= MAX_PENDING_INPUT
