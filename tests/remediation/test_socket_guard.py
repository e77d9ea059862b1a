"""AccessGuard: re-checks when nudged and periodically, stops a socket once with the reason, and at its lifetime."""

from __future__ import annotations

import asyncio

from remediation.sockets import AccessGuard
from tests.terminal.conftest import run_async


class Checks:
    """A fake access check answering from a script of results (an Exception entry is raised)."""

    def __init__(self, *answers: str | None | Exception) -> None:
        self.answers, self.calls = list(answers), 0

    async def __call__(self) -> str | None:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        return answer


def run_guard(guard: AccessGuard, before: float = 0.0, nudge: bool = False, timeout: float = 2.0) -> list[str]:
    stopped: list[str] = []

    async def scenario() -> None:
        task = asyncio.ensure_future(guard.run(stopped.append))
        await asyncio.sleep(before)
        if nudge:
            guard.nudge()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            pass

    run_async(scenario())  # its own thread: Playwright's sync API may own this thread's loop
    return stopped


def test_it_rechecks_at_once_when_nudged_and_stops_with_the_reason() -> None:
    checks = Checks("access_revoked")
    guard = AccessGuard(checks, interval=60)
    assert run_guard(guard, before=0.05, nudge=True) == ["access_revoked"]
    assert checks.calls == 1


def test_it_keeps_a_nudge_that_came_before_it_started() -> None:
    checks = Checks("logged_out")
    guard = AccessGuard(checks, interval=60)
    guard.nudge()  # the user signed out while the shell was still connecting
    assert run_guard(guard) == ["logged_out"]


def test_it_rechecks_periodically_without_a_nudge() -> None:
    checks = Checks(None, None, "access_revoked")
    assert run_guard(AccessGuard(checks, interval=0.05)) == ["access_revoked"]
    assert checks.calls == 3


def test_it_does_not_stop_while_access_holds_or_when_a_check_fails() -> None:
    checks = Checks(RuntimeError("database went away"), None)
    guard = AccessGuard(checks, interval=0.05)
    assert run_guard(guard, timeout=0.3) == []
    assert checks.calls >= 3


def test_it_stops_at_its_lifetime_while_access_holds() -> None:
    checks = Checks()
    guard = AccessGuard(checks, interval=0.05, lifetime=0.3, lifetime_reason="max_lifetime")
    assert run_guard(guard, timeout=2) == ["max_lifetime"]
    assert checks.calls >= 2  # it kept checking until then
