"""README command 1 end to end: `manage.py serve` bootstraps, runs Daphne and a real qcluster, stops both on Ctrl-C."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.processes import ROOT, free_port, product_env, wait_http

SECRET = "s" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4"
CRYPTO = "c" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT"


def _wait_for(predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutError(f"timed out waiting for {what}")


def _portal_login(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})  # noqa: S310
    return opener.open(request, timeout=10).read().decode()


def test_it_runs_web_and_worker_together_and_stops_both(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "db.sqlite3"
    env = product_env(
        SECRET_KEY=SECRET,
        CRYPTOGRAPHY_KEY=CRYPTO,
        SQLITE_PATH=str(db),
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_http(base + "/healthz", serve, seconds=120)
        output = log.read_text()
        password = re.search(r"Sign in as 'admin' with password: (\S+)", output)
        assert password, output
        # The generated admin signs in through the real login page and sees the dashboard.
        assert "Dashboard" in _portal_login(base, "admin", password.group(1))
        # The worker is a real qcluster: a task enqueued now is executed.
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from django_q.tasks import async_task; async_task('math.floor', 2.5)",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )

        def task_done() -> bool:
            with sqlite3.connect(db, timeout=10) as conn:
                return (
                    conn.execute("SELECT count(*) FROM django_q_task WHERE func='math.floor' AND success=1").fetchone()[
                        0
                    ]
                    == 1
                )

        _wait_for(task_done, 60, "the worker to run the task")
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        serve.wait(timeout=60)

    # Web, worker and every child they had are gone.
    def group_gone() -> bool:
        try:
            os.killpg(serve.pid, 0)
        except ProcessLookupError:
            return True
        return False

    _wait_for(group_gone, 30, "web and worker to stop")
    assert "Web and worker stopped." in log.read_text()
