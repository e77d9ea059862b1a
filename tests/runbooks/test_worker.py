"""The runner on a REAL django-q2 qcluster subprocess (own SQLite file, ORM broker), against a real HTTP server.

Proves: a task delivered twice runs once; cancel takes effect within seconds mid-request; a worker killed mid-run
is turned into `error` by the lease reaper (never left `running`).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT, product_env, running

SECRET = "w" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4"
CRYPTO = "k" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT"

SETUP = """
from django.contrib.auth import get_user_model
from runbooks.services.definitions import save_runbook
admin = get_user_model().objects.create_superuser("admin", "a@example.test", "x" * 20)
base = "http://127.0.0.1:{port}"
for name, path in [("quick", "/status/200"), ("slow", "/slow/30")]:
    save_runbook({{"name": name, "steps": [{{"name": "call", "kind": "http", "url": base + path,
                 "timeout_seconds": 60}}]}}, actor=admin)
"""


def _wait(predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


class World:
    """A migrated product database file and helpers to act on it through manage.py."""

    def __init__(self, tmp: Path, port: int) -> None:
        self.db = tmp / "db.sqlite3"
        self.env = product_env(
            SECRET_KEY=SECRET, CRYPTOGRAPHY_KEY=CRYPTO, SQLITE_PATH=str(self.db), RUNBOOK_LEASE_SECONDS="3",
            RUNBOOK_HTTP_ALLOWED_HOSTS="127.0.0.1", Q_WORKERS="2", Q_POLL="0.1", STARTUP_CHECKS="false",
        )  # fmt: skip
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

    def request(self, runbook: str) -> int:
        code = (
            "from runbooks.models import Runbook; from runbooks.services.execute import request_execution; "
            f"print(request_execution(Runbook.objects.get(name='{runbook}'), actor='test').pk)"
        )
        return int(self.shell(code).strip())

    def row(self, execution_id: int) -> tuple[str, str]:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return conn.execute(
                "SELECT status, status_reason FROM runbooks_execution WHERE id=?", (execution_id,)
            ).fetchone()

    def step_runs(self, execution_id: int) -> int:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return conn.execute(
                "SELECT count(*) FROM runbooks_steprun WHERE execution_id=?", (execution_id,)
            ).fetchone()[0]


@pytest.fixture
def world(tmp_path: Path, http_server) -> World:  # type: ignore[no-untyped-def]
    return World(tmp_path, http_server.port)


def test_it_runs_a_duplicate_delivery_once_and_cancels_within_seconds(world: World, http_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        quick = world.request("quick")
        world.shell(f"from django_q.tasks import async_task; async_task('runbooks.tasks.run_execution', {quick})")
        _wait(lambda: world.row(quick)[0] == "succeeded", 60, "the quick execution to succeed")
        time.sleep(1)  # let the duplicate delivery be processed too
        assert world.step_runs(quick) == 1 and http_server.count("/status/200") == 1

        slow = world.request("slow")
        _wait(lambda: http_server.count("/slow") == 1, 60, "the slow request to reach the server")
        world.shell(
            "from runbooks.models import Execution; from runbooks.services.execute import cancel_execution; "
            f"cancel_execution(Execution.objects.get(pk={slow}), actor='test')"
        )
        asked = time.monotonic()
        _wait(lambda: world.row(slow)[0] == "cancelled", 15, "the cancel to take effect")
        assert time.monotonic() - asked < 10  # generous bound on "within a few seconds"


def test_it_reaps_an_execution_whose_worker_was_killed(world: World, http_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log") as cluster:
        slow = world.request("slow")
        _wait(lambda: http_server.count("/slow") == 1, 60, "the slow request to reach the server")
        assert world.row(slow)[0] == "running"
        os.killpg(cluster.pid, signal.SIGKILL)  # the worker dies mid-run: no chance to clean up
        cluster.wait(10)
    time.sleep(3.5)  # the 3 s lease runs out without a heartbeat
    assert world.shell("from runbooks.tasks import reap_expired_leases; print(reap_expired_leases())").strip() == "1"
    status, reason = world.row(slow)
    assert status == "error" and "stopped renewing its lease" in reason
