"""The executor contract (validate / plan / execute / rollback) and the registry of executor kinds.

Executors only render and perform one attempt on one target. The runner owns retries, timeouts across attempts,
rollback order, persistence and broadcasting.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from runbooks.choices import ErrorKind
from runbooks.specs import StepSpec
from runbooks.targets import Target


@dataclass
class Action:
    """A rendered step for one target: what would run, what the plan shows, what the policy must check."""

    kind: str
    step: StepSpec
    target: Target | None
    payload: dict[str, Any] = field(default_factory=dict)
    display: str = ""
    rollback_payload: dict[str, Any] | None = None
    rollback_display: str = ""
    commands: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    secrets: tuple[str, ...] = ()
    raw: bool = False
    # The display (and rollback display) cut into (text, label) pieces: a label marks a substituted value.
    segments: list[tuple[str, str | None]] = field(default_factory=list)
    rollback_segments: list[tuple[str, str | None]] = field(default_factory=list)
    substitutions: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    """What one attempt produced (output is streamed through StepIO as it arrives)."""

    exit_code: int | None = None
    http_status: int | None = None
    error_kind: str = ErrorKind.NONE
    error: str = ""


class StepIO:
    """The runner's side of one attempt: output sink, cancel signal and abort hooks.

    At most `keep` characters per stream are held and passed on (the stored limit plus a margin for masking and
    line assembly); the rest is only counted in `dropped`, so a command printing 20 MB costs kilobytes of memory.
    """

    def __init__(
        self, emit: Callable[[str, str], None], cancel: threading.Event, timeout: float, keep: int | None = None
    ) -> None:
        self._emit = emit
        self.cancel = cancel
        self.timeout = timeout
        self.keep = keep
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.kept = {"stdout": 0, "stderr": 0}
        self.dropped = {"stdout": 0, "stderr": 0}
        self._aborts: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def emit(self, stream: str, text: str) -> None:
        if not text:
            return
        stream = "stdout" if stream == "stdout" else "stderr"
        if self.keep is not None:
            room = max(0, self.keep - self.kept[stream])
            self.dropped[stream] += max(0, len(text) - room)
            text = text[:room]
            if not text:
                return
        self.kept[stream] += len(text)
        (self.stdout if stream == "stdout" else self.stderr).append(text)
        self._emit(stream, text)

    def on_abort(self, hook: Callable[[], None]) -> None:
        """Register how to break a blocking call (close a channel or socket) when the run is cancelled."""
        with self._lock:
            self._aborts.append(hook)
        if self.cancel.is_set():
            hook()

    def abort(self) -> None:
        with self._lock:
            hooks = list(self._aborts)
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: S110 (best effort: the connection may already be gone)
                pass

    @property
    def output(self) -> str:
        return "".join(self.stdout)


class Executor(ABC):
    """Base class of a step kind: every kind implements `plan` and `execute`."""

    kind: ClassVar[str] = ""

    def validate(self, step: Mapping[str, Any]) -> list[str]:
        """Problems with the submitted step definition itself, before it is parsed (no rendering, no I/O)."""
        return []

    @abstractmethod
    def plan(self, step: StepSpec, variables: dict[str, Any], target: Target | None) -> Action:
        """Render the step for one target; never opens a connection."""

    def prepare(self, action: Action, cache: dict[Any, Any], purpose: str) -> None:  # noqa: B027 (optional hook)
        """Runner thread, right before running: resolve what execute needs from the database (default: nothing)."""

    @abstractmethod
    def execute(self, action: Action, io: StepIO) -> Outcome:
        """Perform one attempt of the action (pool thread: no database access)."""

    def rollback(self, action: Action, io: StepIO) -> Outcome:
        """Undo a completed action (default: nothing to undo)."""
        return Outcome(error_kind=ErrorKind.NONE)


REGISTRY: dict[str, Executor] = {}


def register(cls: type[Executor]) -> type[Executor]:
    """Class decorator adding an executor kind to the registry."""
    REGISTRY[cls.kind] = cls()
    return cls


def get_executor(kind: str) -> Executor:
    # Importing the package registers the built-in kinds.
    import runbooks.executors  # noqa: F401

    try:
        return REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown step kind {kind!r}") from None
