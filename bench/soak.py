"""bench/soak.py: nothing acknowledged is lost while workers are SIGKILLed, Redis restarts and PostgreSQL is cut.

    createdb -h 127.0.0.1 -U postgres re_lost_soak
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/re_lost_soak .venv/bin/python bench/soak.py
    DATABASE_URL=... .venv/bin/python bench/soak.py --curve 1,2,4 --alerts 300    # scale-out curve + baseline

Everything runs on loopback and stops by itself (`--max-seconds`): a private redis-server (restarted mid-run), a TCP
proxy in front of PostgreSQL (cut for `--cut-seconds`), the test sshd (one process behind `--servers` server
records), `--web` Daphne and `--workers` qcluster processes, each its own process group with its own environment,
as on separate machines; they share only PostgreSQL (through the proxy) and Redis. Senders behave like
Alertmanager: deliveries of 1-10 alerts, retried on 5xx / 429 / connection errors, some sent twice. Each alert
names a server and how many lines the remediation writes (`seq -w 1 N`), so the stored output can be checked.
Afterwards it prints the invariants and the counts (JSON), and exits 1 if an invariant fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.lifecycle import deadline, exit_on_signals  # noqa: E402
from bench.soak_parts import Cluster, Faults, Proxy, Senders, batches, make_alerts  # noqa: E402
from tests.processes import product_env  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402
from tests.sshd import ensure_test_user, make_client_key, shared_password, start_sshd  # noqa: E402

LIMIT = 64 * 1024  # RUNBOOK_OUTPUT_LIMIT (the default)
TRUNCATED = "\n[… output truncated: {dropped} more characters not kept …]\n"  # runbooks.services.attempts
LEASE, REDISPATCH = 20, 20  # RUNBOOK_LEASE_SECONDS, REDISPATCH_AFTER_SECONDS for the run
SETUP = """
from alerts.models import Rule, RuleMatcher
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
from runbooks.services.definitions import save_runbook
credential = Credential.objects.create(name="soak-key", kind=CredentialKind.SSH_KEY, private_key={key!r})
for i in range({servers}):
    server = Server.objects.create(name=f"soak-{{i:02d}}", hostname={host!r}, port={port}, username={user!r},
                                   credential=credential)
    pin_host_key(server, actor=Actor.of("bench"), known_hosts_line={known!r})
runbook = save_runbook({{"name": "soak-write", "parameters": [{{"name": "lines", "required": True,
    "pattern": "[0-9]{{1,6}}"}}], "steps": [{{"name": "write", "command": "seq -w 1 {{{{ params.lines }}}}",
    "timeout_seconds": 60}}]}}, actor=Actor.of("bench"))
rule = Rule.objects.create(name="soak", action="remediate", runbook=runbook, cooldown_seconds=0, max_per_hour=0,
                           breaker_threshold=0, scope_all_servers=True,
                           parameters={{"lines": "{{{{ labels.lines }}}}"}})
RuleMatcher.objects.create(rule=rule, name="alertname", value="SoakDown")
print(create_webhook_token("soak", actor=Actor.of("bench"), scope={{"all_rules": True, "all_servers": True}})[1])
"""


def seq_w(last: int) -> str:
    """What `seq -w 1 last` writes."""
    width = len(str(last))
    return "".join(f"{i:0{width}d}\n" for i in range(1, last + 1))


def expected_stdout(lines: int) -> str:
    written = seq_w(lines)
    if len(written) <= LIMIT:
        return written
    return written[:LIMIT] + TRUNCATED.format(dropped=len(written) - LIMIT)


# --- what is stored -------------------------------------------------------------------------------------------------
def open_work(db: str) -> dict[str, int]:
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM runbooks_execution WHERE status IN ('pending', 'running')),"
            " (SELECT count(*) FROM remediation_actionrequest WHERE status IN ('pending', 'dispatched'))"
        ).fetchone()
    assert row is not None
    return {"executions_open": row[0], "requests_open": row[1]}


def verify(db: str, senders: Senders, round_label: str) -> dict[str, object]:
    """The invariants, from the database and the senders' tally."""
    with psycopg.connect(db) as conn:
        stored = dict(
            conn.execute(
                "SELECT fingerprint, count(*) FROM alerts_alert WHERE labels->>'round' = %s GROUP BY 1", (round_label,)
            ).fetchall()
        )
        per_episode = conn.execute(
            "SELECT max(n), count(*) FROM (SELECT count(*) n FROM runbooks_execution e JOIN alerts_alert a"
            " ON a.id = e.alert_episode_id WHERE a.labels->>'round' = %s GROUP BY e.alert_episode_id) x",
            (round_label,),
        ).fetchone()
        requests = dict(
            conn.execute(
                "SELECT r.status, count(*) FROM remediation_actionrequest r JOIN alerts_alert a ON a.id = r.alert_id"
                " WHERE a.labels->>'round' = %s AND r.kind = 'remediate' GROUP BY 1",
                (round_label,),
            ).fetchall()
        )
        without_execution = conn.execute(
            "SELECT count(*) FROM remediation_actionrequest r JOIN alerts_alert a ON a.id = r.alert_id"
            " WHERE a.labels->>'round' = %s AND r.kind = 'remediate' AND NOT EXISTS"
            " (SELECT 1 FROM runbooks_execution e WHERE e.alert_episode_id = r.alert_id)",
            (round_label,),
        ).fetchone()
        statuses = dict(
            conn.execute(
                "SELECT e.status, count(*) FROM runbooks_execution e JOIN alerts_alert a ON a.id = e.alert_episode_id"
                " WHERE a.labels->>'round' = %s GROUP BY 1",
                (round_label,),
            ).fetchall()
        )
        outputs = conn.execute(
            "SELECT a.labels->>'lines', md5(s.stdout), length(s.stdout), s.output_truncated FROM runbooks_steprun s"
            " JOIN runbooks_execution e ON e.id = s.execution_id JOIN alerts_alert a ON a.id = e.alert_episode_id"
            " WHERE a.labels->>'round' = %s AND s.status = 'succeeded' AND s.phase = 'run'",
            (round_label,),
        ).fetchall()
    expected: dict[str, tuple[str, bool]] = {}
    wrong_output = 0
    for lines, digest, _length, truncated in outputs:
        if lines not in expected:
            text = expected_stdout(int(lines))
            expected[lines] = (hashlib.md5(text.encode()).hexdigest(), len(seq_w(int(lines))) > LIMIT)  # noqa: S324
        wrong_output += (digest, truncated) != expected[lines]
    acknowledged = senders.acknowledged
    web_5xx = {k: v for k, v in senders.statuses.items() if k.startswith("5") and k != "503"}
    invariants = {
        "every alert answered 2xx is stored exactly once": all(stored.get(f) == 1 for f in acknowledged),
        "no alert stored twice": all(n == 1 for n in stored.values()),
        "every episode has at most one execution": (per_episode[0] or 0) <= 1,  # type: ignore[index]
        "every remediate decision has one execution": (without_execution[0] if without_execution else 1) == 0,
        "no execution left pending/running": not ({"pending", "running"} & statuses.keys()),
        "stored output equals what the command wrote (up to the limit, truncation recorded)": wrong_output == 0,
        "the web answered no 5xx other than 503": not web_5xx,
    }
    counts = {
        "alerts_acknowledged": len(acknowledged),
        "alerts_given_up_by_sender": len(senders.given_up - acknowledged),
        "alerts_stored": len(stored),
        "responses": dict(senders.statuses),
        "remediate_requests": requests,
        "executions_by_status": statuses,
        "succeeded_step_runs_checked": len(outputs),
        "of_which_truncated": sum(1 for o in outputs if o[3]),
        "wrong_output": wrong_output,
    }
    return {"invariants": invariants, "counts": counts}


# --- set-up ---------------------------------------------------------------------------------------------------------
class World:
    """A fresh database, a private Redis, the PostgreSQL proxy, the sshd and the product's set-up rows."""

    def __init__(self, servers: int) -> None:
        url = os.environ.get("DATABASE_URL", "")
        parsed = urlparse(url)
        if parsed.scheme not in ("postgres", "postgresql") or parsed.hostname not in ("127.0.0.1", "localhost"):
            sys.exit("DATABASE_URL must name a loopback PostgreSQL database this bench may drop and re-create")
        self.db = url.replace("postgres://", "postgresql://", 1)
        self.work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
        self.work.chmod(0o755)  # sshd reads authorized_keys below it as the test user
        (self.work / "redis").mkdir()
        self._recreate(parsed.path.lstrip("/"))
        self.redis = RedisServer(self.work / "redis").start()
        self.proxy = Proxy(parsed.port or 5432)
        proxied = urlunparse(parsed._replace(netloc=f"{parsed.username or 'postgres'}@127.0.0.1:{self.proxy.port}"))
        keys = {
            "SECRET_KEY": "soak-" + secrets.token_urlsafe(48),
            "CRYPTOGRAPHY_KEY": "soak-" + secrets.token_urlsafe(32),
        }
        self.env = product_env(
            **keys,
            DATABASE_URL=proxied,
            REDIS_URL=self.redis.url(0),
            DEBUG="false",
            LOG_LEVEL="WARNING",
            RUNBOOK_LEASE_SECONDS=str(LEASE),
            REDISPATCH_AFTER_SECONDS=str(REDISPATCH),
            Q_POLL="0.1",
            DB_CONN_MAX_AGE="0",
            CHANNEL_PREFIX="soak",
        )
        direct = {**self.env, "DATABASE_URL": url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=direct, check=True)
        password = shared_password()
        ensure_test_user(password)
        self.sshd = start_sshd(self.work / "sshd", password)
        self.key = make_client_key(self.work, "ed25519")
        self.sshd.authorize(self.key)
        code = SETUP.format(
            key=self.key.private_text,
            host=self.sshd.host,
            port=self.sshd.port,
            user=self.sshd.username,
            known=self.sshd.known_hosts_line(),
            servers=servers,
        )
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=direct,
            check=True,
            capture_output=True,
            text=True,
        )
        self.token = out.stdout.strip().splitlines()[-1]

    def _recreate(self, name: str) -> None:
        admin = urlunparse(urlparse(self.db)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')

    def close(self) -> None:
        self.sshd.stop()
        self.redis.stop()


def drain(db: str, until: float) -> float | None:
    """Wait until no execution or remediate request is open; seconds it took, or None at `until`."""
    started = time.monotonic()
    quiet = 0
    while time.monotonic() < until:
        state = open_work(db)
        quiet = quiet + 1 if not any(state.values()) else 0
        if quiet >= 2:
            return time.monotonic() - started
        time.sleep(2)
    return None


# --- the soak ---------------------------------------------------------------------------------------------------------
def soak(args: argparse.Namespace) -> int:
    world = World(args.servers)
    rng = random.Random(args.seed)
    label = f"soak{int(time.time())}"
    cluster = Cluster(world.work, world.env, web=args.web, workers=args.workers, q_workers=2)
    try:
        senders = Senders(cluster.ports, world.token, retry_seconds=args.retry_seconds)
        threads = senders.run(16)
        deliveries = batches(make_alerts(args.alerts, args.servers, label, args.seed), rng)
        repeats = [d for d in deliveries if rng.random() < 0.1]  # Alertmanager's at-least-once: sent again
        started = time.monotonic()
        faults = Faults(cluster, world.redis, world.proxy, rng, started)
        send = args.send_seconds

        def feed() -> None:
            for index, delivery in enumerate(deliveries + repeats):
                senders.work.put((index, delivery))
                time.sleep(send / (len(deliveries) + len(repeats)))
            for _ in threads:
                senders.work.put(None)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        # Faults run in the main thread: the processes they restart must not die with a helper thread
        # (PR_SET_PDEATHSIG follows the thread that started the child).
        faults.run(started + send + 15, [0.2 * send, 0.75 * send], 0.45 * send, args.cut_seconds)
        feeder.join()
        for thread in threads:
            thread.join()
        sent_at = time.monotonic()
        bound = LEASE + REDISPATCH + 90  # lease, sweeper deadline, and the sweeper's one-minute schedule
        drained = drain(world.db, sent_at + args.drain_seconds)
        report = verify(world.db, senders, label)
        report["invariants"]["open work drained after the last fault"] = drained is not None  # type: ignore[index]
        report["counts"].update(  # type: ignore[union-attr]
            deliveries=len(deliveries),
            repeated_deliveries=len(repeats),
            servers=args.servers,
            faults=dict(faults.counts),
            drain_seconds_after_last_delivery=None if drained is None else round(drained, 1),
            lease_plus_sweeper_bound_seconds=bound,
            soak_seconds=round(time.monotonic() - started, 1),
        )
        report["faults"] = faults.log
    finally:
        cluster.stop()
        world.close()
    report["machine"] = machine()
    print(json.dumps(report, indent=2))
    return 0 if all(report["invariants"].values()) else 1  # type: ignore[union-attr]


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


# --- scale-out curve ------------------------------------------------------------------------------------------------
def curve(args: argparse.Namespace) -> int:
    """Executions per minute with 1, 2, 4 worker processes on the same load, and a paramiko pool of as many threads."""
    world = World(args.servers)
    rows = []
    try:
        for count in [int(c) for c in args.curve.split(",")]:
            label = f"curve{count}w{int(time.time())}"
            cluster = Cluster(world.work, world.env, web=1, workers=0, q_workers=1)
            try:
                senders = Senders(cluster.ports, world.token, retry_seconds=60)
                threads = senders.run(8)
                for index, delivery in enumerate(
                    batches(make_alerts(args.alerts, args.servers, label, args.seed), random.Random(args.seed))
                ):
                    senders.work.put((index, delivery))
                for _ in threads:
                    senders.work.put(None)
                for thread in threads:
                    thread.join()
                for n in range(count):  # the queue is full before the first worker starts
                    cluster.workers.append(cluster._start(cluster._qcluster(), f"curve-worker-{n}"))
                drain(world.db, time.monotonic() + args.drain_seconds)
            finally:
                cluster.stop()
            rows.append({"workers": count, **rate(world.db, label), **baseline(world, args, count)})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        world.close()
    print(json.dumps({"curve": rows, "alerts_per_round": args.alerts, "machine": machine()}, indent=2))
    return 0


def rate(db: str, label: str) -> dict[str, object]:
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE e.status = 'succeeded'), extract(epoch FROM max(e.finished_at)"
            " - min(e.started_at)) FROM runbooks_execution e JOIN alerts_alert a ON a.id = e.alert_episode_id"
            " WHERE a.labels->>'round' = %s",
            (label,),
        ).fetchone()
    assert row is not None
    total, succeeded, seconds = row[0], row[1], float(row[2] or 0)
    return {
        "executions": total,
        "succeeded": succeeded,
        "seconds": round(seconds, 1),
        "executions_per_minute": round(total / seconds * 60, 1) if seconds else None,
    }


def baseline(world: World, args: argparse.Namespace, threads: int) -> dict[str, object]:
    """The same commands over fresh paramiko connections from a pool of `threads` (no product, no database)."""
    import base64
    import io
    from concurrent.futures import ThreadPoolExecutor

    import paramiko

    host_type, host_b64 = world.sshd.host_key_line().split()[:2]
    host_key = paramiko.PKey.from_type_string(host_type, base64.b64decode(host_b64))
    pkey = paramiko.Ed25519Key.from_private_key(io.StringIO(world.key.private_text))
    commands = [f"seq -w 1 {a['labels']['lines']}" for a in make_alerts(args.alerts, args.servers, "b", args.seed)]  # type: ignore[index]

    def run(command: str) -> int:
        client = paramiko.SSHClient()
        client.get_host_keys().add(f"[{world.sshd.host}]:{world.sshd.port}", host_type, host_key)
        client.connect(
            world.sshd.host,
            world.sshd.port,
            world.sshd.username,
            pkey=pkey,
            allow_agent=False,
            look_for_keys=False,
            timeout=30,
        )
        try:
            channel = client.get_transport().open_session()  # type: ignore[union-attr]
            channel.get_pty(term="dumb", width=250)
            channel.exec_command(command)
            size = 0
            while data := channel.recv(32768):
                size += len(data)
            channel.recv_exit_status()
            return size
        finally:
            client.close()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, commands))
    seconds = time.monotonic() - started
    return {"baseline_paramiko_threads": threads, "baseline_per_minute": round(len(commands) / seconds * 60, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--send-seconds", type=float, default=240, help="alerts are spread over this long")
    parser.add_argument("--cut-seconds", type=float, default=10, help="how long PostgreSQL is cut")
    parser.add_argument("--retry-seconds", type=float, default=600, help="how long a sender retries a delivery")
    parser.add_argument("--drain-seconds", type=float, default=600, help="wait for open work after sending")
    parser.add_argument("--max-seconds", type=float, default=2400, help="the whole run, whatever happens")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--curve", default="", help="e.g. 1,2,4: executions per minute by worker count instead")
    args = parser.parse_args()
    exit_on_signals()
    deadline(args.max_seconds)
    sys.exit(curve(args) if args.curve else soak(args))


if __name__ == "__main__":
    main()
