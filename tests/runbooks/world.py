"""A product world for process-level tests: a migrated SQLite file, runbooks, and manage.py helpers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import ROOT, product_env

SECRET = "w" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4"
CRYPTO = "k" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT"

SETUP = """
from django.contrib.auth import get_user_model
from runbooks.services.definitions import save_runbook
from remediation.actors import Actor
admin = get_user_model().objects.create_superuser("admin", "a@example.test", "x" * 20)
base = "http://127.0.0.1:{port}"
for name, path in [("quick", "/status/200"), ("slow", "/slow/30")]:
    save_runbook({{"name": name, "steps": [{{"name": "call", "kind": "http", "url": base + path,
                 "timeout_seconds": 60}}]}}, actor=Actor.of(admin))
save_runbook({{"name": "three", "steps": [
    {{"name": "first", "kind": "http", "url": base + "/status/200?marker=one"}},
    {{"name": "second", "kind": "http", "url": base + "/slow/4?marker=two"}},
    {{"name": "third", "kind": "http", "url": base + "/status/200?marker=three"}},
]}}, actor=Actor.of(admin))
"""


def wait_for(predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


ADMIN_PASSWORD = "x" * 20


class World:
    """A migrated product database file and helpers to act on it through manage.py."""

    def __init__(self, tmp: Path, port: int) -> None:
        self.db = tmp / "db.sqlite3"
        self.env = product_env(
            SECRET_KEY=SECRET,
            CRYPTOGRAPHY_KEY=CRYPTO,
            SQLITE_PATH=str(self.db),
            RUNBOOK_LEASE_SECONDS="3",
            RUNBOOK_HTTP_ALLOWED_HOSTS="127.0.0.1",
            Q_WORKERS="2",
            Q_POLL="0.1",
            STARTUP_CHECKS="false",
        )
        for name in ("DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)
        self.manage("migrate", "--no-input", "-v", "0")
        self.shell(SETUP.format(port=port))

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def shell(self, code: str) -> str:
        """Run code in `manage.py shell`; returns the last line it printed."""
        lines = self.manage("shell", "-c", code).strip().splitlines()
        return lines[-1] if lines else ""

    def add_ssh_server(self, host: str, port: int, username: str, private_key: str, known_hosts_line: str) -> int:
        """A pinned server with a key credential, as an admin would register it."""
        code = f"""
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from remediation.actors import Actor
credential = Credential.objects.create(name="key", kind=CredentialKind.SSH_KEY, private_key={private_key!r})
server = Server.objects.create(name="web-1", hostname={host!r}, port={port}, username={username!r},
                               credential=credential)
pin_host_key(server, actor=Actor.of("test"), known_hosts_line={known_hosts_line!r})
print(server.pk)
"""
        return int(self.shell(code))

    def add_runbook(self, name: str, command: str) -> None:
        self.shell(
            "from runbooks.services.definitions import save_runbook; from remediation.actors import Actor; "
            f"save_runbook({{'name': {name!r}, 'steps': [{{'name': 's', 'command': {command!r}}}]}}, "
            "actor=Actor.of('test'))"
        )

    def request(self, runbook: str, targets: list[int] | None = None) -> int:
        code = (
            "from runbooks.models import Runbook; from runbooks.services.execute import request_execution; "
            "from remediation.actors import Actor; "
            f"runbook = Runbook.objects.get(name='{runbook}'); "
            f"print(request_execution(runbook, actor=Actor.of('test'), target_ids={targets or []}).pk)"
        )
        return int(self.shell(code).strip())

    def row(self, execution_id: int) -> tuple[str, str]:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return conn.execute(
                "SELECT status, status_reason FROM runbooks_execution WHERE id=?", (execution_id,)
            ).fetchone()

    def task_results(self, execution_id: int) -> list[str]:
        """What the worker returned for each delivery of run_execution(execution_id) so far, sorted."""
        code = (
            "from django_q.models import Task; "
            "print(sorted(str(t.result) for t in Task.objects.filter(func='runbooks.tasks.run_execution') "
            f"if tuple(t.args or ()) == ({execution_id},)))"
        )
        return list(__import__("ast").literal_eval(self.shell(code)))

    def step_runs(self, execution_id: int) -> int:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return conn.execute(
                "SELECT count(*) FROM runbooks_steprun WHERE execution_id=?", (execution_id,)
            ).fetchone()[0]
