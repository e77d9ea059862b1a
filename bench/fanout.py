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
import subprocess
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
    ENV_FILE=os.devnull,
    DEBUG="true",
    STARTUP_CHECKS="false",
    SQLITE_PATH=str(WORK / "db.sqlite3"),
    SECRET_KEY="bench-" + secrets.token_urlsafe(48),
    CRYPTOGRAPHY_KEY="bench-" + secrets.token_urlsafe(32),
    RUNBOOK_MAX_PARALLEL="50",
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

import paramiko  # noqa: E402  (the baseline only; the engine goes through remediation/ssh/)
from django.core.management import call_command  # noqa: E402

from remediation.actors import Actor  # noqa: E402
from remediation.models import Credential, CredentialKind, Server  # noqa: E402
from remediation.services.inventory import pin_host_key  # noqa: E402
from runbooks.models import Execution  # noqa: E402
from runbooks.services.definitions import save_runbook  # noqa: E402
from runbooks.services.execute import request_execution  # noqa: E402
from runbooks.services.runner import run_execution  # noqa: E402
from tests.sshd import ensure_test_user, make_client_key, start_sshd  # noqa: E402


def engine(runbook, ids: list[int]) -> float:  # type: ignore[no-untyped-def]
    execution = request_execution(runbook, actor=Actor.of("bench"), target_ids=ids)
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


def ansible_raw(ansible: str, host: str, port: int, user: str, key_path: str, known_hosts: str, n: int) -> float:
    """`ansible all -m raw -a 'echo ok' -f N` on an inventory of N aliases of the same sshd, no connection sharing.

    ControlMaster is off so that every host opens its own SSH connection, as the engine does (with the default
    ControlPersist all N aliases of one host:port would multiplex over a single connection).
    """
    inventory = WORK / f"inventory-{n}.ini"
    inventory.write_text(
        "".join(f"host{i} ansible_host={host} ansible_port={port}\n" for i in range(n))
        + f"[all:vars]\nansible_user={user}\nansible_ssh_private_key_file={key_path}\n"
    )
    env = dict(os.environ)
    env.update(
        ANSIBLE_SSH_ARGS=f"-o ControlMaster=no -o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes",
        ANSIBLE_LOCAL_TEMP=str(WORK / "ansible-tmp"),
        ANSIBLE_HOME=str(WORK / "ansible-home"),
        ANSIBLE_GATHERING="explicit",
        ANSIBLE_NOCOLOR="1",
    )
    started = time.monotonic()
    done = subprocess.run(
        [ansible, "all", "-i", str(inventory), "-m", "raw", "-a", "echo ok", "-f", str(n)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0 and done.stdout.count("CHANGED") == n, done.stdout[-2000:] + done.stderr[-2000:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ansible", default=shutil.which("ansible") or "", help="ansible binary for the comparison")
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
            pin_host_key(server, actor=Actor.of("bench"), known_hosts_line=sshd.known_hosts_line())
            servers.append(server.pk)
        key_file = WORK / "bench_key"
        key_file.write_text(key.private_text)
        key_file.chmod(0o600)
        steps = {"echo": "echo ok", "sleep": "sleep 1"}
        runbooks = {
            name: save_runbook(
                {"name": f"fanout-{name}", "max_parallel": 50, "steps": [{"name": name, "command": cmd}]},
                actor=Actor.of("bench"),
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
        if not args.ansible:
            print("ansible: not installed here (no comparison run; pass --ansible PATH)")
            return
        known_hosts = WORK / "known_hosts"
        known_hosts.write_text(sshd.known_hosts_line() + "\n")
        ours = statistics.median(engine(runbooks["echo"], servers) for _ in range(args.repeat))
        theirs = statistics.median(
            ansible_raw(args.ansible, sshd.host, sshd.port, sshd.username, str(key_file), str(known_hosts), 50)
            for _ in range(args.repeat)
        )
        print(f" echo ok  N=50  engine {ours:6.3f}  ansible -m raw {theirs:6.3f}  ratio {theirs / ours:5.2f}")
    finally:
        sshd.stop()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
