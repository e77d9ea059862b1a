"""Test-only launcher: the real Daphne CLI, plus a SIGUSR1 handler that writes the loaded module names to a file.

Used to ask a running web process (not a copy of it) whether it has imported litellm.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType


def _dump(signum: int, frame: FrameType | None) -> None:
    # Written aside and renamed, so the test never reads a half-written file.
    target = os.environ["PROBE_FILE"]
    with open(target + ".partial", "w") as out:
        json.dump(sorted(sys.modules), out)
    os.replace(target + ".partial", target)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _dump)
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(sys.argv[1:])
