"""End to end with real parts: Daphne serving the webhook and API, a qcluster worker, and the real sshd.

Alertmanager POST → rule matches → the runbook runs on the server named by `instance` → output stored → resolved
POST → verification recorded; then the same through an approval given on the API.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from tests.processes import daphne_args, free_port, running, wait_http
from tests.remediation.remediate import am_payload
from tests.runbooks.world import ADMIN_PASSWORD, World, wait_for

SETUP = """
from alerts.models import Rule, RuleMatcher
from alerts.services.webhook_tokens import create_webhook_token
from runbooks.services.definitions import save_runbook
from remediation.actors import Actor
runbook = save_runbook({"name": "restart-service", "parameters": [{"name": "service", "pattern": "[a-z]+"}],
    "steps": [{"name": "restart", "command": "echo restarted {{ params.service }} as $(id -un)"}]},
    actor=Actor.of("test"))
rule = Rule.objects.create(name="restart", action="remediate", runbook=runbook, mode="auto", cooldown_seconds=0,
                           scope_all_servers=True,
                           parameters={"service": "{{ labels.service }}"})
RuleMatcher.objects.create(rule=rule, name="alertname", value="ServiceDown")
print(create_webhook_token("am", actor=Actor.of("test"), scope={"all_rules": True, "all_servers": True})[1])
"""


def _call(port: int, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


class Product:
    """The world's database file read directly (the processes own it; the test only observes)."""

    def __init__(self, world: World, port: int, token: str) -> None:
        self.world, self.port, self.token = world, port, token

    def alert(self, payload: dict[str, Any]) -> int:
        status, _ = _call(self.port, "POST", "/hooks/alertmanager/", payload, {"Authorization": f"Bearer {self.token}"})
        return status

    def query(self, sql: str, *args: Any) -> Any:
        with sqlite3.connect(self.world.db, timeout=10) as conn:
            return conn.execute(sql, args).fetchone()

    def execution(self, fingerprint: str) -> Any:
        return self.query(
            "SELECT e.id, e.status, e.target_ids, e.resolved_within_window FROM runbooks_execution e "
            "JOIN alerts_alert a ON a.id = e.alert_episode_id WHERE a.fingerprint = ?",
            fingerprint,
        )


def test_it_remediates_an_alert_end_to_end_and_through_an_approval(tmp_path: Path, sshd, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    world = World(tmp_path, 9)
    key = authorized_keys["ed25519_openssh"]
    server = world.add_ssh_server(sshd.host, sshd.port, sshd.username, key.private_text, sshd.known_hosts_line())
    token = world.shell(SETUP)
    port = free_port()
    product = Product(world, port, token)
    with (
        running(daphne_args(port), world.env, tmp_path / "daphne.log") as daphne,
        running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"),
    ):
        wait_http(f"http://127.0.0.1:{port}/healthz", daphne)
        auto = "e2e0000000000001"
        assert product.alert(am_payload("web-1:9100", fingerprint=auto)) == 202
        wait_for(lambda: (product.execution(auto) or [0, ""])[1] == "succeeded", 90, "the alert's execution to succeed")
        execution_id, _, target_ids, _ = product.execution(auto)
        assert json.loads(target_ids) == [server]
        stdout = product.query("SELECT stdout FROM runbooks_steprun WHERE execution_id = ?", execution_id)[0]
        assert stdout.strip() == f"restarted nginx as {sshd.username}"
        assert product.alert(am_payload("web-1:9100", "resolved", fingerprint=auto)) == 202
        wait_for(lambda: product.execution(auto)[3] == 1, 30, "verification to be recorded")

        world.shell("from alerts.models import Rule; Rule.objects.update(mode='approval')")
        held = "e2e0000000000002"
        assert product.alert(am_payload("web-1:9100", fingerprint=held)) == 202
        wait_for(lambda: (product.execution(held) or [0, ""])[1] == "awaiting_approval", 60, "the approval request")
        held_id = product.execution(held)[0]
        _, tokens = _call(port, "POST", "/api/v1/auth/token/", {"username": "admin", "password": ADMIN_PASSWORD}, {})
        auth = {"Authorization": f"Bearer {tokens['access']}"}
        status, body = _call(port, "POST", f"/api/v1/executions/{held_id}/approve/", {"reason": "go"}, auth)
        assert (status, body["status"]) == (200, "pending")
        wait_for(lambda: product.execution(held)[1] == "succeeded", 90, "the approved execution to succeed")
        approved_by = product.query("SELECT approved_by_id FROM runbooks_execution WHERE id = ?", held_id)[0]
        assert approved_by is not None
