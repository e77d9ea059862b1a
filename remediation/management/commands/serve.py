"""manage.py serve: bootstrap, then run the web server (Daphne) and a worker (qcluster) together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run web (Daphne) and worker (qcluster) under one supervisor; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")
        parser.add_argument("--skip-bootstrap", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["skip_bootstrap"]:
            call_command("bootstrap", no_input=True, generate_password=True)
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "daphne",
                "-b",
                options["host"],
                "-p",
                str(options["port"]),
                "config.asgi:application",
            ],
        }
        if not options["no_worker"]:
            commands["worker"] = [python, "manage.py", "qcluster"]
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603 (fixed argv)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl-C stops web and worker)")
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with status {child.returncode}; stopping the rest.")
                    exit_code, stopping = child.returncode or 1, True
                    break
            time.sleep(0.5)
        self._terminate(children)
        if exit_code:
            raise SystemExit(exit_code)

    def _terminate(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, child in children.items():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                child.kill()
                child.wait()
        self.stdout.write("Web and worker stopped.")
