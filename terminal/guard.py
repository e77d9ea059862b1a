"""Ends a live terminal session once its user's access goes away (no Channels, no paramiko, no database here).

Re-checked when nudged (a service changed the user's access and said so after commit) and every `interval`
seconds as the safety net for changes made elsewhere (admin edits, the database, an expired login session). The
keystroke path never waits for it: it runs as its own task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class AccessGuard:
    """Calls `check` (returns why the session must end, or None) on a nudge and every interval; stops on a reason."""

    def __init__(self, check: Callable[[], Awaitable[str | None]], interval: float) -> None:
        self._check = check
        self.interval = max(0.05, interval)
        self._nudged = asyncio.Event()

    def nudge(self) -> None:
        """Re-check soon (a nudge before run() starts is kept)."""
        self._nudged.set()

    async def run(self, stop: Callable[[str], None]) -> None:
        """Loop until `check` gives a reason, then call `stop(reason)` once."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self.interval)
            self._nudged.clear()
            try:
                reason = await self._check()
            except Exception:  # a database hiccup must not end a session; the next check decides
                logger.warning("terminal access re-check failed", exc_info=True)
                continue
            if reason:
                stop(reason)
                return
