"""bench/fanout.py: one ssh step (`echo ok`) on N = 1, 10, 50 server records pointing at one local sshd.

Measures the engine's wall time (execution started_at → finished_at, runner in this process) next to a minimal
paramiko thread pool doing the same work (connect, exec, read, close per server), plus N=50 × `sleep 1`.
Run as root from the repository root:  .venv/bin/python bench/fanout.py  [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
WORK.chmod(0o755)  # sshd reads authorized_keys below it as the test user
os.environ.update(
    ENV_FILE=os.devnull, DEBUG="true", STARTUP_CHECKS="false", SQLITE_PATH=str(WORK / "db.sqlite3"),
    SECRET_KEY="bench-" + secrets.token_urlsafe(48), CRYPTOGRAPHY_KEY="bench-" + secrets.token_urlsafe(32),
    RUNBOOK_MAX_PARALLEL="50", DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING",
)  # fmt: skip
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

import paramiko  # noqa: E402  (the baseline only; the engine goes through remediation/ssh.py)
from django.core.management import call_command  # noqa: E402

from remediation.models import Credential, CredentialKind, Server  # noqa: E402
from remediation.services.inventory import pin_host_key  # noqa: E402
from runbooks.models import Execution  # noqa: E402
from runbooks.services.definitions import save_runbook  # noqa: E402
from runbooks.services.execute import request_execution  # noqa: E402
from runbooks.services.runner import run_execution  # noqa: E402
from tests.sshd import ensure_test_user, make_client_key, start_sshd  # noqa: E402


def engine(runbook, ids: list[int]) -> float:  # type: ignore[no-untyped-def]
    execution = request_execution(runbook, actor="bench", target_ids=ids)
    run_execution(execution.pk)
    execution = Execution.objects.get(pk=execution.pk)
    errors = {r.error for r in execution.step_runs.exclude(error="")}
    assert execution.status == "succeeded", (execution.status_reason, errors)
    return (execution.finished_at - execution.started_at).total_seconds()


def baseline(host: str, port: int, user: str, key_path: str, n: int, command: str) -> float:
    def one(_: int) -> str:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507 (loopback bench only)
        client.connect(host, port=port, username=user, key_filename=key_path, allow_agent=False, look_for_keys=False)
        try:
            _in, out, _err = client.exec_command(command)
            return out.read().decode()
        finally:
            client.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, range(n)))
    assert all(r.strip() in {"ok", ""} for r in results)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    password = "pw-" + secrets.token_urlsafe(18)
    ensure_test_user(password)
    sshd = start_sshd(WORK / "sshd", password)
    try:
        key = make_client_key(WORK, "ed25519")
        sshd.authorize(key)  # a key: the test user's password is reset by any test session on this machine
        credential = Credential.objects.create(name="bench", kind=CredentialKind.SSH_KEY, private_key=key.private_text)
        servers = []
        for i in range(50):
            server = Server.objects.create(
                name=f"bench-{i}", hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential
            )
            pin_host_key(server, actor="bench", known_hosts_line=sshd.known_hosts_line())
            servers.append(server.pk)
        key_file = WORK / "bench_key"
        key_file.write_text(key.private_text)
        key_file.chmod(0o600)
        steps = {"echo": "echo ok", "sleep": "sleep 1"}
        runbooks = {
            name: save_runbook(
                {"name": f"fanout-{name}", "max_parallel": 50, "steps": [{"name": name, "command": cmd}]}, actor="bench"
            )
            for name, cmd in steps.items()
        }
        print(f"machine: {os.cpu_count()} cores; date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print("median of", args.repeat, "runs (seconds)")
        for name, n in [("echo", 1), ("echo", 10), ("echo", 50), ("sleep", 50)]:
            ours = statistics.median(engine(runbooks[name], servers[:n]) for _ in range(args.repeat))
            base = statistics.median(
                baseline(sshd.host, sshd.port, sshd.username, str(key_file), n, steps[name]) for _ in range(args.repeat)
            )
            print(f"{steps[name]:>8}  N={n:<3} engine {ours:6.3f}  paramiko pool {base:6.3f}  ratio {ours / base:5.2f}")
        print("ansible:", shutil.which("ansible") or "not installed here (no comparison run)")
    finally:
        sshd.stop()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
