#!/usr/bin/env python3.11
"""Install and start the product exactly as a newcomer does, from a clean clone (stdlib only).

python3.11 .ci/newcomer.py locks [LOCK ...]   install each lock with --require-hashes into a brand-new venv, using
                                              the pip that `python3.11 -m venv` brings, with no pip cache
python3.11 .ci/newcomer.py up                 clone this checkout, run README command 1 (`python3.11 dev.py up`)
                                              in the clone, check /healthz, /readyz, one alert through the webhook
                                              and the API, then Ctrl-C and check that every process it started ended

Both read nothing from this machine's pip configuration (a newcomer has none): packages come from PyPI.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PORT = 8000  # README command 1 serves here; nothing else may hold it
NEWCOMER_ENV = {"PIP_NO_CACHE_DIR": "1", "PIP_CONFIG_FILE": os.devnull}


def newcomer_env() -> dict[str, str]:
    skip = ("PIP_", "DATABASE_URL", "REDIS_URL", "REQUIRE_REAL_PARTS", "CI")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return {**env, **NEWCOMER_ENV}


def fail(message: str) -> None:
    sys.exit(f"\n!! newcomer check FAILED: {message}")


def check_locks(locks: list[str]) -> None:
    """Each lock installs with --require-hashes on the pip a fresh venv brings (no upgrade, no cache)."""
    with tempfile.TemporaryDirectory(prefix="newcomer-venv-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        version = subprocess.run([*pip, "--version"], capture_output=True, text=True, check=True).stdout.strip()
        print(f"fresh venv: {version}", flush=True)
        for lock in locks:
            print(f"installing {lock} with --require-hashes, PIP_NO_CACHE_DIR=1 ...", flush=True)
            started = time.monotonic()
            result = subprocess.run(
                [*pip, "install", "-q", "--require-hashes", "-r", str(ROOT / lock)],
                env=newcomer_env(),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
                fail(f"{lock} does not install with the venv's own pip ({version})")
            print(f"  ok in {time.monotonic() - started:.0f} s", flush=True)


def http(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def wait_for(what: str, check: Any, *, timeout: float, server: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.stderr.write(log.read_text()[-6000:])
            fail(f"`dev.py up` exited with {server.returncode} while waiting for {what}")
        try:
            last = check()
            if last is not None:
                return last
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(1)
    sys.stderr.write(log.read_text()[-6000:])
    fail(f"timed out waiting for {what} (last: {last})")


def processes_in(directory: Path) -> list[str]:
    """Processes whose working directory or command line is inside the clone."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(directory)) or str(directory) in cmdline:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


def smoke_up() -> None:
    """README command 1 from a clean clone: healthy, ready, takes an alert, and Ctrl-C stops everything."""
    with tempfile.TemporaryDirectory(prefix="newcomer-") as tmp:
        clone = Path(tmp) / "remediation-engine"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        head = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        print(f"clean clone at {head.stdout.strip()}: running `python3.11 dev.py up`", flush=True)
        log = Path(tmp) / "up.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                ["python3.11", "dev.py", "up"],
                cwd=clone,
                env=newcomer_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's foreground job
            )
        try:
            exercise(server, log, clone)
        finally:
            stop(server, clone)


def exercise(server: subprocess.Popen[bytes], log: Path, clone: Path) -> None:
    base = f"http://127.0.0.1:{PORT}"

    def healthy() -> bool | None:
        return True if http("GET", f"{base}/healthz")[0] == 200 else None

    wait_for("/healthz 200", healthy, timeout=900, server=server, log=log)
    print("/healthz 200", flush=True)

    def ready() -> Any:
        status, body = http("GET", f"{base}/readyz")
        return body if status == 200 and body.get("status") == "ok" else None

    report = wait_for("/readyz with every part ok", ready, timeout=120, server=server, log=log)
    parts = {name: part["ok"] for name, part in report["checks"].items()}
    print(f"/readyz 200: {parts}", flush=True)
    if not all(parts.values()):
        fail(f"/readyz reports a part not ok: {parts}")
    match = re.search(r"Sign in as '([^']+)' with password: (\S+)", log.read_text())
    if not match:
        fail("`dev.py up` did not print the administrator's password")
    username, password = match.groups()
    sent = subprocess.run(
        [str(clone / ".venv/bin/python"), "manage.py", "send_test_alert", "--alertname", "NewcomerSmoke"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    print(sent.stdout.strip(), flush=True)
    if sent.returncode != 0:
        fail(f"send_test_alert failed: {sent.stderr.strip()}")
    status, tokens = http("POST", f"{base}/api/v1/auth/token/", {"username": username, "password": password})
    if status != 200:
        fail(f"JWT obtain answered {status}: {tokens}")
    status, page = http("GET", f"{base}/api/v1/alerts/?alertname=NewcomerSmoke", token=tokens["access"])
    if status != 200 or len(page.get("results", [])) != 1:
        fail(f"the alert is not visible in the API ({status}: {page})")
    print(f"the alert is in the API: {page['results'][0]['alertname']} ({page['results'][0]['status']})", flush=True)


def stop(server: subprocess.Popen[bytes], clone: Path) -> None:
    """Ctrl-C (SIGINT to the foreground process group), then nothing the command started may remain."""
    started = processes_in(clone)
    print(f"{len(started)} processes running from the clone before Ctrl-C", flush=True)
    if server.poll() is None and len(started) < 3:  # dev.py, serve, daphne, qcluster and its workers
        fail("the process check sees fewer processes than `dev.py up` starts; it could not tell a leftover")
    try:
        os.killpg(server.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        fail("`dev.py up` did not stop within 40 s of Ctrl-C")
    deadline = time.monotonic() + 10
    while (left := processes_in(clone)) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        fail("processes still running after Ctrl-C:\n  " + "\n  ".join(left))
    print(f"Ctrl-C: `dev.py up` exited with {server.returncode}; no process left", flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["locks"]:
        check_locks(argv[1:] or ["requirements.txt", "requirements-dev.txt"])
    elif argv[:1] == ["up"]:
        smoke_up()
    else:
        print(__doc__)
        return 2
    print("newcomer check passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
