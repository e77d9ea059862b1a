"""The closed loop, with real parts on loopback: Prometheus scrapes the product and evaluates the shipped rules,
Alertmanager routes what fires to the product's own webhook, and stopping the worker shows up in the product as a
RemediationNoWorkerHeartbeat alert.

Two things are shortened so this runs in minutes: the heartbeat staleness (70 s, just over the one-minute heartbeat)
and that one rule's `for:` (5 s). Everything else is the shipped rules file as it is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from functools import partial
from pathlib import Path

import yaml

from tests.processes import daphne_args, free_port, running, wait_http
from tests.realparts import need_prometheus
from tests.runbooks.world import World, wait_for

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "remediation-engine.rules.yml"
METRICS_TOKEN = "metrics-token-for-the-loop-test"
TOKEN = """
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
_, raw = create_webhook_token("prometheus", actor=Actor.of("test"), scope={})
print(raw)
"""


def _rules(tmp: Path) -> Path:
    document = yaml.safe_load(RULES.read_text())
    for group in document["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "RemediationNoWorkerHeartbeat":
                rule["for"] = "5s"
    path = tmp / "rules.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def _prometheus_config(tmp: Path, web: int, alertmanager: int) -> Path:
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(_rules(tmp))],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager}"]}]}]},
        "scrape_configs": [
            {
                "job_name": "remediation-engine",
                "authorization": {"credentials": METRICS_TOKEN},
                "static_configs": [{"targets": [f"127.0.0.1:{web}"]}],
            }
        ],
    }
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _alertmanager_config(tmp: Path, web: int, token: str) -> Path:
    receiver = {
        "name": "product",
        "webhook_configs": [
            {
                "url": f"http://127.0.0.1:{web}/hooks/alertmanager/",
                "send_resolved": True,
                "http_config": {"authorization": {"credentials": token}},
            }
        ],
    }
    route = {"receiver": "product", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "1s"}
    path = tmp / "alertmanager.yml"
    path.write_text(yaml.safe_dump({"route": {**route, "repeat_interval": "1h"}, "receivers": [receiver]}))
    return path


def _alerts(world: World) -> dict[str, str]:
    with sqlite3.connect(world.db, timeout=10) as conn:
        return dict(conn.execute("SELECT alertname, status FROM alerts_alert ORDER BY id").fetchall())


def test_it_raises_no_worker_heartbeat_in_the_product_when_the_worker_stops(tmp_path: Path) -> None:
    need_prometheus()
    world = World(tmp_path, free_port())  # its HTTP runbooks are not run here
    token = world.shell(TOKEN)
    web, prometheus, alertmanager = free_port(), free_port(), free_port()
    world.env.update(METRICS_TOKEN=METRICS_TOKEN, WORKER_HEARTBEAT_STALE_SECONDS="70")
    prometheus_args = [
        "prometheus",
        f"--config.file={_prometheus_config(tmp_path, web, alertmanager)}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prometheus}",
        "--rules.alert.resend-delay=1s",  # a send dropped before Alertmanager was discovered is retried at once
    ]
    alertmanager_args = [
        "prometheus-alertmanager",
        f"--config.file={_alertmanager_config(tmp_path, web, token)}",
        f"--storage.path={tmp_path / 'am'}",
        f"--web.listen-address=127.0.0.1:{alertmanager}",
        "--cluster.listen-address=",  # no gossip port: only loopback HTTP
    ]
    with contextlib.ExitStack() as stack:
        start = partial(_start, stack, world.env, tmp_path)
        start(daphne_args(web), "web", f"http://127.0.0.1:{web}/healthz")
        worker = start([sys.executable, "manage.py", "qcluster"], "qcluster")
        wait_for(lambda: _heartbeats(world), 90, "the worker's first heartbeat")
        start(alertmanager_args, "alertmanager", f"http://127.0.0.1:{alertmanager}/-/ready")
        start(prometheus_args, "prometheus")
        wait_for(lambda: "Watchdog" in _alerts(world), 60, "the Watchdog to arrive through Alertmanager")
        assert "RemediationNoWorkerHeartbeat" not in _alerts(world)
        os.killpg(worker.pid, signal.SIGINT)  # Ctrl-C: the worker stops
        worker.wait(timeout=30)
        arrived = wait_for(lambda: _alerts(world).get("RemediationNoWorkerHeartbeat"), 150, "the alert")
    assert arrived == "firing"


def _start(
    stack: contextlib.ExitStack, env: dict[str, str], tmp: Path, args: list[str], name: str, ready: str = ""
) -> subprocess.Popen[bytes]:
    process = stack.enter_context(running(args, env, tmp / f"{name}.log"))
    if ready:
        wait_http(ready, process)
    return process


def _heartbeats(world: World) -> int:
    with sqlite3.connect(world.db, timeout=10) as conn:
        return int(conn.execute("SELECT count(*) FROM remediation_workerheartbeat").fetchone()[0])
