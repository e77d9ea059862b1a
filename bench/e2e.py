"""bench/e2e.py: Alertmanager POST → first step started on the target → execution finished, p50/p95.

Real processes on loopback: Daphne (webhook), one qcluster, the test sshd; a SQLite file database; the broker is the
ORM (default) or Redis (`--redis redis://127.0.0.1:6379/11`). Alerts are sent one at a time (each a new episode on
the same server, cooldown off) and each is followed to its end, so the numbers are latency, not throughput.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
WORK.chmod(0o755)  # sshd reads authorized_keys below it as the test user

from tests.processes import daphne_args, free_port, product_env, running, wait_http  # noqa: E402
from tests.sshd import ensure_test_user, make_client_key, start_sshd  # noqa: E402

SETUP = """
from alerts.models import Rule, RuleMatcher
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
from runbooks.services.definitions import save_runbook
credential = Credential.objects.create(name="key", kind=CredentialKind.SSH_KEY, private_key={key!r})
server = Server.objects.create(name="web-1", hostname={host!r}, port={port}, username={user!r}, credential=credential)
pin_host_key(server, actor=Actor.of("bench"), known_hosts_line={known!r})
runbook = save_runbook({{"name": "restart", "steps": [{{"name": "s", "command": "echo ok"}}]}}, actor=Actor.of("bench"))
rule = Rule.objects.create(name="r", action="remediate", runbook=runbook, cooldown_seconds=0, max_per_hour=0,
                           breaker_threshold=0, scope_all_servers=True)
RuleMatcher.objects.create(rule=rule, name="alertname", value="ServiceDown")
print(create_webhook_token("am", actor=Actor.of("bench"), scope={{"all_rules": True, "all_servers": True}})[1])
"""


def am_payload(fingerprint: str) -> dict[str, object]:
    labels = {"alertname": "ServiceDown", "instance": "web-1:9100"}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {},
        "startsAt": "2026-11-26T11:25:13Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    return {"receiver": "hook", "status": "firing", "alerts": [alert], "version": "4", "groupKey": "{}"}


def _ts(text: str) -> float:
    return (
        datetime.fromisoformat(text).timestamp() if "+" in text else datetime.fromisoformat(text + "+00:00").timestamp()
    )


def _follow(db: Path, fingerprint: str, timeout: float = 60) -> tuple[float, float]:
    deadline = time.monotonic() + timeout
    query = (
        "SELECT e.status, e.finished_at, (SELECT min(s.started_at) FROM runbooks_steprun s WHERE s.execution_id = e.id)"
        " FROM runbooks_execution e JOIN alerts_alert a ON a.id = e.alert_episode_id WHERE a.fingerprint = ?"
    )
    while time.monotonic() < deadline:
        with sqlite3.connect(db, timeout=10) as conn:
            row = conn.execute(query, (fingerprint,)).fetchone()
        if row and row[0] in ("succeeded", "failed", "error"):
            assert row[0] == "succeeded", row
            return _ts(row[2]), _ts(row[1])
        time.sleep(0.01)
    raise TimeoutError(fingerprint)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--redis", default="")
    args = parser.parse_args()
    db = WORK / "db.sqlite3"
    keys = {
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "CRYPTOGRAPHY_KEY": "bench-" + secrets.token_urlsafe(32),
    }
    env = product_env(
        **keys,
        SQLITE_PATH=str(db),
        STARTUP_CHECKS="false",
        LOG_LEVEL="WARNING",
        Q_WORKERS="2",
        Q_POLL="0.05",
        WEBHOOK_RATE_LIMIT="100000/m",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = args.redis
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    password = "pw-" + secrets.token_urlsafe(18)
    ensure_test_user(password)
    sshd = start_sshd(WORK / "sshd", password)
    try:
        key = make_client_key(WORK, "ed25519")
        sshd.authorize(key)
        code = SETUP.format(
            key=key.private_text, host=sshd.host, port=sshd.port, user=sshd.username, known=sshd.known_hosts_line()
        )
        out = subprocess.run([*manage, "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
        token = out.stdout.decode().strip().splitlines()[-1]
        port = free_port()
        with (
            running(daphne_args(port), env, WORK / "daphne.log") as daphne,
            running([*manage, "qcluster"], env, WORK / "qcluster.log"),
        ):
            wait_http(f"http://127.0.0.1:{port}/healthz", daphne)
            first, done = [], []
            for n in range(args.alerts + 5):  # 5 warm-up alerts are not counted
                fingerprint = f"{n:016x}"
                body = json.dumps(am_payload(fingerprint))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                sent = time.time()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                connection.request("POST", "/hooks/alertmanager/", body=body, headers=headers)
                assert connection.getresponse().status == 202
                started, finished = _follow(db, fingerprint)
                if n >= 5:
                    first.append((started - sent) * 1000)
                    done.append((finished - sent) * 1000)
    finally:
        sshd.stop()
    broker = "redis" if args.redis else "orm"
    for name, values in (("first step started", first), ("execution finished", done)):
        q = statistics.quantiles(values, n=100)
        print(f"{broker}: {name}: n={len(values)} p50={statistics.median(values):.0f} ms p95={q[94]:.0f} ms")


if __name__ == "__main__":
    main()
