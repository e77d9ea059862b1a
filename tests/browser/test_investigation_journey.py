"""The investigation journey in Chromium against real Daphne, a real qcluster, the real sshd and the local
OpenAI-compatible server: an operator starts an investigation from an alert page, the scripted model asks for a write
command, an approver (another person) approves it inline, it runs on sshd, the model finishes and the finding shows.

The worker runs in the qcluster process and the page's WebSocket in Daphne (in-memory channel layer), so every live
update here travels through the consumer's database polling.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.llm_server import LLMServer, Reply, tool_call
from tests.processes import daphne_args, free_port, running, wait_http
from tests.runbooks.world import World, wait_for
from tests.sshd import make_client_key

pytestmark = pytest.mark.real_part
PASSWORD = "journey-" + "Pass-2026-long"

PEOPLE = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from ai.models import Provider
from alerts.models import Alert
from remediation.models import Server, TerminalGrant
from django.utils import timezone
import uuid
server = Server.objects.get(pk={server})
for name, role in (("olga", "Operator"), ("arno", "Approver")):
    user = get_user_model().objects.create_user(name, password={password!r})
    user.groups.add(Group.objects.get(name=role))
    TerminalGrant.objects.create(user=user, server=server)
Provider.objects.update(is_default=False)
Provider.objects.create(name="local", model="openai/journey-model", api_base={api_base!r}, api_key="sk-journey-key",
                        enabled=True, is_default=True, timeout_seconds=20)
now = timezone.now()
alert = Alert.objects.create(fingerprint="f00d", alertname="DiskFull", status="firing", starts_at=now,
                             first_received_at=now, last_received_at=now, batch_id=uuid.uuid4(),
                             labels={{"alertname": "DiskFull", "instance": "web-1:9100", "severity": "warning"}},
                             annotations={{"summary": "/var is 97% full"}})
print(alert.pk)
"""


@pytest.fixture
def llm_server():  # type: ignore[no-untyped-def]
    server = LLMServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def journey_key(sshd):  # type: ignore[no-untyped-def]
    directory = Path(tempfile.mkdtemp(prefix="remediation-journey-key-"))
    key = make_client_key(directory, "ed25519")
    shutil.rmtree(directory, ignore_errors=True)
    sshd.authorize(key)
    return key


def _sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Dashboard')")


def test_start_approve_inline_run_on_sshd_and_see_the_finding(  # type: ignore[no-untyped-def]
    browser, page, sshd, journey_key, llm_server: LLMServer, artifacts, tmp_path
) -> None:
    marker = Path(tempfile.gettempdir()) / f"rm-investigation-{uuid.uuid4().hex}"
    command = f"touch {marker}"
    world = World(tmp_path, 9)
    world.env.update({"AI_MAX_RETRIES": "0", "AI_INVESTIGATION_COMMAND_TIMEOUT": "20"})
    server_id = world.add_ssh_server(
        sshd.host, sshd.port, sshd.username, journey_key.private_text, sshd.known_hosts_line()
    )
    alert_id = int(world.shell(PEOPLE.format(server=server_id, password=PASSWORD, api_base=llm_server.url)))
    why = "Create the marker to prove the write path works"
    finding = {
        "summary": "The marker file was created on web-1.",
        "evidence": [{"command": command, "server": "web-1", "observation": "touch exited 0"}],
        "likely_cause": "Nothing was wrong; this is a rehearsal.",
        "recommendation": {"runbook": "quick", "params": {}, "next_step": "Run the quick runbook"},
    }
    llm_server.push(
        Reply(content="", tool_calls=[tool_call("run_command", {"server": "web-1", "command": command, "why": why})]),
        Reply(content="", tool_calls=[tool_call("finish", finding, call_id="call_2")]),
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page.add_init_script(RECORD_VIOLATIONS)
    with (
        running(daphne_args(port), world.env, tmp_path / "daphne.log") as web,
        running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"),
    ):
        wait_http(base + "/healthz", web)
        connections_before = sshd.connection_count()

        # The operator starts it from the alert page: the goal is prefilled from the alert.
        _sign_in(page, base, "olga")
        page.goto(f"{base}/alerts/{alert_id}/")
        goal = page.locator("form.investigate textarea[name=goal]")
        assert "DiskFull" in goal.input_value() and "/var is 97% full" in goal.input_value()
        page.click("form.investigate button[type=submit]")
        page.wait_for_selector("h1:has-text('Investigation #')")
        investigation_url = page.url
        assert "/ai/investigations/" in investigation_url

        # The model's write command waits; its requester sees it but cannot decide it; nothing reached sshd.
        card = page.locator(".pending-command")
        card.wait_for(timeout=60_000)
        assert command in card.inner_text() and why in card.inner_text()
        assert card.locator("button[value=approve]").count() == 0
        page.wait_for_selector("#inv-status:has-text('waiting approval')")
        assert not marker.exists() and len(llm_server.requests) == 1
        assert sshd.connection_count() == connections_before

        # An approver, another person, approves the exact command inline.
        approver_context = browser.new_context(viewport={"width": 1280, "height": 900})
        approver_page = approver_context.new_page()
        approver_page.set_default_timeout(15_000)
        approver_page.add_init_script(RECORD_VIOLATIONS)
        _sign_in(approver_page, base, "arno")
        approver_page.goto(investigation_url)
        pending = approver_page.locator(".pending-command")
        pending.wait_for()
        assert command in pending.locator("pre.cmd").inner_text() and "web-1" in pending.inner_text()
        pending.locator("input[name=reason]").fill("a harmless marker")
        pending.locator("button[value=approve]").click()
        approver_page.wait_for_selector("text=Command approved")

        # It runs on the real sshd, the model finishes, and the finding shows on both pages.
        approver_page.wait_for_selector("#inv-status:has-text('completed')", timeout=90_000)
        finding_box = approver_page.locator("#inv-finding")
        finding_box.wait_for()
        assert "The marker file was created on web-1." in finding_box.inner_text()
        assert command in finding_box.locator(".finding-evidence").inner_text()
        assert finding_box.locator("a.runbook-link").inner_text() == "quick"
        assert "decided by arno" in approver_page.locator("#inv-commands").inner_text()
        approver_page.screenshot(path=str(artifacts / "investigation-finding.png"), full_page=True)
        page.wait_for_selector("#inv-finding:has-text('The marker file was created')", timeout=30_000)
        assert page.locator(".pending-command").count() == 0
        violations = page.evaluate("window.__csp") + approver_page.evaluate("window.__csp")
        approver_context.close()

    assert violations == []
    wait_for(marker.exists, 10, "the approved command's file")
    assert sshd.connection_count() > connections_before
    assert len(llm_server.requests) == 2
    told = [m for m in llm_server.requests[1]["messages"] if m.get("role") == "tool"]
    assert told and json.dumps(told).count("call_1") >= 1
    marker.unlink(missing_ok=True)
