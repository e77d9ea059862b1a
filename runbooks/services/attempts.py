"""One step on one target: the attempt loop (worker threads, no database) and output buffering (runner thread)."""

from __future__ import annotations

import queue
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from remediation.redaction import MASK, mask_text
from runbooks.choices import ALWAYS_RETRIED, RETRIED_WHEN_ALLOWED, ErrorKind, Phase
from runbooks.executors import Action, Executor, Outcome, StepIO
from runbooks.specs import StepSpec

TRUNCATED = "\n[… output truncated: {dropped} more characters not kept …]\n"
# Characters held beyond RUNBOOK_OUTPUT_LIMIT per stream: room for masking (a mask is shorter than what it hides)
# and for a private key held back until its END line arrives (see OutputBuffer).
OUTPUT_MARGIN = 32 * 1024
# The longest text OutputBuffer holds back waiting for a line end or a private key's END line.
HOLD_LIMIT = 16 * 1024
# Characters kept back when a line is cut mid-way: a BEGIN marker split there would never match again.
MARKER_HOLD = 64
PEM_BEGIN = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
PEM_END = re.compile(r"-----END [A-Z ]*PRIVATE KEY-----")


@dataclass
class Unit:
    """One step (or its rollback) on one target, run in the pool; reports through the runner's event queue."""

    key: int
    index: int
    executor: Executor
    action: Action
    phase: str = Phase.RUN
    io: StepIO | None = None
    deadline: float = 0.0
    outcome: Outcome | None = None
    output: str = ""
    attempts: int = 0
    future: Future[None] | None = None

    @property
    def step(self) -> StepSpec:
        return self.action.step


def judge(step: StepSpec, outcome: Outcome, output: str) -> Outcome:
    """Turn a completed attempt into success or a typed failure (expected exit codes, statuses, output pattern)."""
    if outcome.error_kind:
        return outcome
    if outcome.exit_code is not None and outcome.exit_code not in step.expected_exit_codes:
        return Outcome(outcome.exit_code, outcome.http_status, ErrorKind.EXIT_CODE, f"exit code {outcome.exit_code}")
    statuses = list(step.expected_statuses)
    if outcome.http_status is not None and statuses and outcome.http_status not in statuses:
        message = f"HTTP status {outcome.http_status} not in {statuses}"
        return Outcome(outcome.exit_code, outcome.http_status, ErrorKind.HTTP_STATUS, message)
    pattern = step.output_pattern
    if pattern and not re.search(pattern, output):
        return Outcome(outcome.exit_code, outcome.http_status, ErrorKind.OUTPUT, f"output does not match {pattern!r}")
    return outcome


def retryable(step: StepSpec, kind: str) -> bool:
    return kind in ALWAYS_RETRIED or (step.retry_on_failure and kind in RETRIED_WHEN_ALLOWED)


def run_unit(unit: Unit, events: queue.Queue[tuple[Any, ...]], cancel: threading.Event, deadline: float) -> None:
    """Attempts with backoff until success, a final failure, cancel or the runbook deadline (worker thread)."""
    step = unit.step
    attempts = 1 if unit.phase == Phase.ROLLBACK else 1 + step.retries
    try:
        for attempt in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if cancel.is_set() or remaining <= 0:
                return
            timeout = min(step.timeout_seconds, remaining)

            def emit(stream: str, text: str, a: int = attempt) -> None:
                events.put(("output", unit.key, a, stream, text))

            unit.io = StepIO(emit, cancel, timeout, keep=settings.RUNBOOK_OUTPUT_LIMIT + OUTPUT_MARGIN)
            unit.deadline = time.monotonic() + timeout
            unit.attempts = attempt
            events.put(("start", unit.key, attempt))
            outcome = _attempt(unit, unit.io)
            if cancel.is_set() and outcome.error_kind:
                outcome = Outcome(outcome.exit_code, outcome.http_status, ErrorKind.CANCELLED, "cancelled")
            unit.outcome, unit.output = outcome, unit.io.output
            events.put(("end", unit.key, attempt, outcome, dict(unit.io.dropped)))
            if not outcome.error_kind or not retryable(step, outcome.error_kind) or attempt == attempts:
                return
            if cancel.wait(step.retry_backoff_seconds * 2 ** (attempt - 1)):
                return
    finally:
        connection.close()  # pool threads never keep a database connection open


def _attempt(unit: Unit, io: StepIO) -> Outcome:
    try:
        if unit.phase == Phase.ROLLBACK:
            outcome = unit.executor.rollback(unit.action, io)
        else:
            outcome = unit.executor.execute(unit.action, io)
    except Exception as exc:  # an executor bug must become a recorded failure, not a dead worker
        return Outcome(error_kind=ErrorKind.INTERNAL, error=f"{type(exc).__name__}: {exc}")
    return judge(unit.step, outcome, io.output) if unit.phase == Phase.RUN else outcome


@dataclass
class OutputBuffer:
    """Output of one step run: masked as a stream, capped with a visible marker, flushed in throttled batches.

    Text is released only up to a point where no secret can straddle it: whole lines (the secret-looking patterns
    are line-local), never inside a private key block whose END line has not arrived, and never within the last
    (longest known secret − 1) characters. So a key or a password split across two reads is still masked.
    """

    limit: int
    secrets: tuple[str, ...]
    text: dict[str, str] = field(default_factory=lambda: {"stdout": "", "stderr": ""})
    partial: dict[str, str] = field(default_factory=lambda: {"stdout": "", "stderr": ""})
    dropped: dict[str, int] = field(default_factory=lambda: {"stdout": 0, "stderr": 0})
    sent: dict[str, int] = field(default_factory=lambda: {"stdout": 0, "stderr": 0})
    dirty: bool = False

    def __post_init__(self) -> None:
        self.secrets = tuple(sorted({s for s in self.secrets if s and len(s) >= 4}, key=len, reverse=True))
        self._tail = max((len(s) for s in self.secrets), default=1) - 1

    def add(self, stream: str, chunk: str) -> None:
        # PostgreSQL text cannot hold NUL: kept as a visible escape, as alert labels are, instead of failing the run.
        data = self.partial[stream] + chunk.replace("\x00", "\\x00")
        for secret in self.secrets:  # whole known secrets first, so a cut below never splits one
            data = data.replace(secret, MASK)
        bound = self._outside_blocks(data, max(0, len(data) - self._tail))
        cut = data.rfind("\n", 0, bound) + 1
        if len(data) - cut > HOLD_LIMIT:  # no line end for too long: cut mid-line, still outside a key and the tail
            cut = self._outside_blocks(data, max(0, len(data) - max(self._tail, MARKER_HOLD)))
            if len(data) - cut > HOLD_LIMIT:  # longer than any key: masked to its end
                cut = len(data)
        if cut:
            self._keep(stream, mask_text(data[:cut], self.secrets))
        self.partial[stream] = data[cut:]

    @staticmethod
    def _outside_blocks(data: str, bound: int) -> int:
        """`bound`, moved back to the start of a private key block that is not complete before it."""
        begins = [m for m in PEM_BEGIN.finditer(data) if m.start() < bound]
        if begins:
            end = PEM_END.search(data, begins[-1].end())
            if end is None or end.end() > bound:
                return begins[-1].start()
        return bound

    def close(self, dropped: dict[str, int] | None = None) -> None:
        for stream, rest in self.partial.items():
            if rest:
                self._keep(stream, mask_text(rest, self.secrets))
            self.partial[stream] = ""
        for stream, count in (dropped or {}).items():
            self.dropped[stream] += count
        for stream, count in self.dropped.items():
            if count:
                self.text[stream] += TRUNCATED.format(dropped=count)
                self.dirty = True

    def _keep(self, stream: str, text: str) -> None:
        room = self.limit - len(self.text[stream])
        if room > 0:
            self.text[stream] += text[:room]
        self.dropped[stream] += max(0, len(text) - max(room, 0))
        self.dirty = True

    @property
    def truncated(self) -> bool:
        return any(self.dropped.values())

    def unsent(self) -> list[tuple[str, int, str]]:
        """(stream, offset, text) chunks not broadcast yet; marks them sent."""
        chunks = []
        for stream, text in self.text.items():
            offset = self.sent[stream]
            if len(text) > offset:
                chunks.append((stream, offset, text[offset:]))
                self.sent[stream] = len(text)
        return chunks
