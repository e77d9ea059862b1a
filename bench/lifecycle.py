"""Process hygiene shared by the benchmarks: bounded in time, and no child left running when the bench is stopped.

* `exit_on_signals()`: SIGTERM / SIGHUP / SIGINT raise SystemExit, so `finally` blocks stop what was started.
* `deadline(seconds)`: SIGALRM ends the whole run with TimeoutError instead of letting it hang.
* `dies_with_parent`: a `preexec_fn` asking Linux to SIGTERM the child when the bench dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.processes import dies_with_parent


def exit_on_signals() -> None:
    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop)


def deadline(seconds: float) -> None:
    """End the run with TimeoutError after `seconds` (whatever it is blocked on)."""

    def expired(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"the benchmark did not finish within {seconds:g} s")

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)


@contextlib.contextmanager
def child(
    args: list[str], *, cwd: Path, env: dict[str, str], log: Path, **popen: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own group that dies with the bench; stopped (SIGTERM, then SIGKILL) on the way out."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=dies_with_parent,
            **popen,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it is still there after `grace` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
