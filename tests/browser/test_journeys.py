"""A newcomer's journeys through the portal and admin in Chromium, against real Daphne, a real qcluster and sshd.

Each journey ends in a screenshot in test-artifacts/ (listed by CI): first run; adding a server; authoring and running
a runbook; rule → alert → approval → verification; AI analysis to a run (against a local OpenAI-compatible server, the
real LiteLLM path); the terminal; the guardrails and audit; bad input. The investigation journey is in
test_investigation_journey.py.
"""

from __future__ import annotations

import http.client
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.llm_server import LLMServer, Reply
from tests.processes import daphne_args, free_port, running, wait_http
from tests.remediation.remediate import am_payload
from tests.runbooks.world import ADMIN_PASSWORD, World, wait_for

pytestmark = pytest.mark.real_part

PEOPLE = f"""
from django.contrib.auth.models import Group
from remediation.models import Server, TerminalGrant
from tests.factories import UserFactory
for name, role in [("olga", "Operator"), ("april", "Approver")]:
    user = UserFactory(username=name)
    user.set_password({ADMIN_PASSWORD!r})
    user.save()
    user.groups.add(Group.objects.get(name=role))
    TerminalGrant.objects.create(user=user, server=Server.objects.get(name="web-1"), note="journeys")
"""

DISK_REPORT = """format: remediation-engine/runbooks@1
runbooks:
- name: disk-report
  description: Free space on a mount point
  parameters:
  - name: mount
    default: /
    pattern: ^/[a-z/]*$
  steps:
  - name: report
    command: df -h {{ params.mount }}
"""

RUNBOOKS = "from runbooks.models import Runbook; print(list(Runbook.objects.values_list('name', flat=True)))"

PROVIDER_AND_ALERT = """
import uuid
from django.utils import timezone
from ai.models import Provider
from alerts.models import Alert
Provider.objects.update(is_default=False)
Provider.objects.create(name="journey-llm", model="openai/journey-model", api_base="{url}", enabled=True,
                        is_default=True, timeout_seconds=30, api_key="journey-local-key")
now = timezone.now()
alert = Alert.objects.create(fingerprint="j5000000000000001", starts_at=now, status="firing", alertname="DiskFull",
    severity="warning", labels={{"alertname": "DiskFull", "instance": "web-1:9100"}},
    annotations={{"summary": "/var almost full"}}, first_received_at=now, last_received_at=now, batch_id=uuid.uuid4())
print(alert.pk)
"""

RULE = """
from alerts.models import Rule, RuleMatcher
from alerts.services.rules import invalidate_rules
from alerts.services.webhook_tokens import create_webhook_token
from runbooks.models import Runbook
from remediation.actors import Actor
rule = Rule.objects.create(name="disk full: report", action="remediate", mode="approval", cooldown_seconds=0,
    runbook=Runbook.objects.get(name="disk-report"), scope_all_servers=True, parameters={"mount": "/"})
RuleMatcher.objects.create(rule=rule, name="alertname", value="DiskFull")
invalidate_rules()
print(create_webhook_token("journey-am", actor=Actor.of("test"), scope={"all_rules": True, "all_servers": True})[1])
"""


@dataclass
class Product:
    world: World
    base: str
    port: int
    server_id: int
    sshd: Any
    key: Any

    def sign_in(self, page: Any, username: str) -> None:
        page.goto(f"{self.base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('Dashboard')")

    def post(self, path: str, body: Any, token: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        return connection.getresponse().status

    def execution_field(self, lookup: str, field: str) -> str:
        code = f"from runbooks.models import Execution; print(Execution.objects.get({lookup}).{field})"
        return self.world.shell(code)

    def ensure_disk_report(self) -> None:
        """The runbook journey 3 imports, for a journey run on its own."""
        if "disk-report" in self.world.shell(RUNBOOKS):
            return
        self.world.shell(
            "from runbooks.services.yaml_io import import_yaml; from remediation.actors import Actor; "
            f"import_yaml({DISK_REPORT!r}, actor=Actor.of('test'))"
        )


@pytest.fixture(scope="module")
def product(tmp_path_factory, sshd, authorized_keys) -> Iterator[Product]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("journeys")
    world = World(tmp, 9)
    key = authorized_keys["ed25519_openssh"]
    server = world.add_ssh_server(sshd.host, sshd.port, sshd.username, key.private_text, sshd.known_hosts_line())
    world.shell(PEOPLE)
    port = free_port()
    with (
        running(daphne_args(port), world.env, tmp / "daphne.log") as web,
        running([sys.executable, "manage.py", "qcluster"], world.env, tmp / "qcluster.log"),
    ):
        wait_http(f"http://127.0.0.1:{port}/healthz", web)
        yield Product(world, f"http://127.0.0.1:{port}", port, server, sshd, key)


def test_journey_1_first_run(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.sign_in(page, "admin")
    checklist = page.locator("#getting-started")
    expect(checklist).to_contain_text("Add a credential")
    expect(checklist.locator("li.done")).to_contain_text(["Add a server", "Write a runbook"])
    page.click("#getting-started >> text=Add a credential")
    page.wait_for_selector("h1:has-text('Add credential')")
    page.select_option("#id_kind", "ssh_key")
    expect(page.locator(".field-private_key").first).to_be_visible()
    expect(page.locator(".field-password").first).to_be_hidden()
    page.select_option("#id_kind", "ssh_password")
    expect(page.locator(".field-password").first).to_be_visible()
    expect(page.locator(".field-private_key").first).to_be_hidden()
    page.screenshot(path=str(artifacts / "journey-1-first-run.png"), full_page=True)


def test_journey_2_add_a_server(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.sign_in(page, "admin")
    page.goto(f"{product.base}/admin/remediation/credential/add/")
    page.fill("#id_name", "journey-key")
    page.select_option("#id_kind", "ssh_key")
    page.fill("#id_private_key", product.key.private_text)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("journey-key")
    page.goto(f"{product.base}/admin/remediation/server/add/")
    page.fill("#id_name", "web-2")
    page.fill("#id_hostname", product.sshd.host)
    page.fill("#id_port", str(product.sshd.port))
    page.fill("#id_username", product.sshd.username)
    page.select_option("#id_credential", label="journey-key")
    page.fill("#id_tags", "lab, disk")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("web-2")
    pk = product.world.shell("from remediation.models import Server; print(Server.objects.get(name='web-2').pk)")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", "fetch_and_pin_host_key")
    page.click("button[name=index]")
    # The fingerprint is shown to be compared before anything is pinned.
    expect(page.locator("code.fingerprint")).to_contain_text("SHA256:")
    page.check(f"#pin-{pk}")
    page.click("input[value='Pin the checked keys']")
    expect(page.locator(".messagelist")).to_contain_text("pinned ssh-ed25519 SHA256:")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", "test_connection")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("command: ok")
    page.goto(f"{product.base}/servers/")
    expect(page.locator("main")).to_contain_text("web-2")
    page.screenshot(path=str(artifacts / "journey-2-add-a-server.png"), full_page=True)


def test_journey_3_author_and_run_a_runbook(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.sign_in(page, "admin")
    page.goto(f"{product.base}/admin/runbooks/runbook/import-yaml/")
    page.fill("#id_yaml", DISK_REPORT)
    page.click("input[value=Import]")
    expect(page.locator(".messagelist")).to_contain_text("Imported disk-report")
    page.goto(f"{product.base}/runbooks/")
    page.click("text=disk-report")
    page.fill("input[name='param.mount']", "/tmp")
    page.select_option("#target-select", "web-1")
    page.click("button:has-text('Run with these parameters and targets')")
    page.wait_for_selector("#status:has-text('succeeded')", timeout=60_000)
    expect(page.locator("#targets")).to_have_text("web-1")
    expect(page.locator("#steps")).to_contain_text("Filesystem")
    assert page.locator("#duration").inner_text() != "—"
    page.screenshot(path=str(artifacts / "journey-3-author-and-run.png"), full_page=True)


def test_journey_4_rule_alert_approval_verification(browser, page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.ensure_disk_report()
    token = product.world.shell(RULE)
    firing = am_payload("web-1:9100", fingerprint="j4000000000000001", alertname="DiskFull")
    assert product.post("/hooks/alertmanager/", firing, token) == 202
    product.sign_in(page, "april")
    page.goto(f"{product.base}/runbooks/approvals/")
    card = page.locator("section.approval").first
    expect(card).to_contain_text("disk-report", timeout=60_000)  # the queue updates itself
    expect(card).to_contain_text("df -h")
    card.locator("input[name=reason]").fill("disk report is read-only")
    card.locator("button[value=approve]").click()
    expect(page.locator(".messages")).to_contain_text("approved")
    execution = product.execution_field("alert_episode__fingerprint='j4000000000000001'", "pk")
    page.goto(f"{product.base}/runbooks/executions/{execution}/")
    page.wait_for_selector("#status:has-text('succeeded')", timeout=60_000)
    expect(page.locator("#approval")).to_contain_text("approved by april")
    resolved = am_payload("web-1:9100", "resolved", fingerprint="j4000000000000001", alertname="DiskFull")
    assert product.post("/hooks/alertmanager/", resolved, token) == 202
    wait_for(lambda: product.execution_field(f"pk={execution}", "resolved_within_window") == "True", 60, "verification")
    page.reload()
    expect(page.locator("main")).to_contain_text("the alert resolved within")
    page.click("main a[href^='/alerts/']")
    expect(page.locator("main")).to_contain_text(f"#{execution}")  # the alert links back to its execution
    page.screenshot(path=str(artifacts / "journey-4-rule-alert-approval.png"), full_page=True)


def test_journey_5_ai_analysis_to_a_run(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.ensure_disk_report()
    llm = LLMServer().start()
    try:
        answer = {
            "summary": "The /var filesystem on web-1 is almost full.",
            "probable_cause": "Old journal files.",
            "impact": "Writes will fail.",
            "verification_commands": ["df -h /var"],
            "recommended_runbook": {"name": "disk-report", "params": {"mount": "/var"}},
            "confidence": 0.7,
        }
        llm.push(Reply(content=json.dumps(answer), delay=3))  # long enough to see the panel wait, then change
        alert = product.world.shell(PROVIDER_AND_ALERT.format(url=llm.url))
        product.sign_in(page, "olga")
        page.goto(f"{product.base}/alerts/{alert}/")
        page.click("button:has-text('Analyze with AI')")
        expect(page.locator("#ai-analyses")).to_contain_text("Waiting for the model")
        # The panel changes by itself: no reload.
        expect(page.locator("#ai-analyses")).to_contain_text("almost full", timeout=60_000)
        page.screenshot(path=str(artifacts / "journey-5-ai-analysis.png"), full_page=True)
        page.click("text=Request execution")
        expect(page.locator("input[name='param.mount']")).to_have_value("/var")
        # The real LiteLLM call carried the alert to the local server (the worker's provider health probe may call too).
        analyses = [r for r in llm.requests if "/var almost full" in json.dumps(r.get("messages"))]
        assert len(analyses) == 1 and analyses[0]["model"] == "journey-model"
    finally:
        llm.stop()


def test_journey_6_terminal(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.sign_in(page, "admin")
    page.goto(f"{product.base}/servers/")
    page.click(f"a[href='/terminal/servers/{product.server_id}/']")
    page.wait_for_selector("#terminal[data-state=connected]", timeout=30_000)
    page.click("#terminal")
    page.keyboard.type("echo journey-$((2*3))-ok\n")
    page.wait_for_function("() => document.querySelector('.xterm-rows').innerText.includes('journey-6-ok')")
    page.screenshot(path=str(artifacts / "journey-6-terminal.png"), full_page=True)
    page.keyboard.type("exit\n")
    page.wait_for_selector("#terminal[data-state=closed]")
    page.goto(f"{product.base}/terminal/")
    expect(page.locator("main")).to_contain_text("web-1")


def test_journey_7_guardrails_and_audit(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.sign_in(page, "admin")
    page.click("nav.sidebar >> text=Kill switch")
    page.fill("#id_reason", "storage migration tonight")
    page.click("button:has-text('Engage the kill switch')")
    page.goto(f"{product.base}/alerts/")
    expect(page.locator(".banner.danger")).to_contain_text("storage migration tonight")
    page.goto(f"{product.base}/audit/")
    expect(page.locator("main")).to_contain_text("kill_switch.changed")
    page.goto(f"{product.base}/admin/runbooks/maintenancewindow/add/")
    page.fill("#id_name", "db patching")
    page.select_option("#id_kind", "recurring")
    page.fill("#id_cron", "* * * * *")
    page.fill("#id_duration_minutes", "60")
    page.fill("input[name=matchers-0-name]", "team")
    page.select_option("select[name=matchers-0-op]", "=~")
    page.fill("input[name=matchers-0-value]", "db|storage")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("db patching")
    page.goto(f"{product.base}/runbooks/schedules/")
    expect(page.locator(".banner.warn")).to_contain_text("db patching")
    page.screenshot(path=str(artifacts / "journey-7-guardrails-and-audit.png"), full_page=True)
    page.goto(f"{product.base}/runbooks/kill-switch/")
    page.fill("#id_reason", "migration done")
    page.click("button:has-text('Release the kill switch')")
    expect(page.locator(".banner.danger")).to_have_count(0)


def test_journey_8_bad_input(page, product: Product, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    product.ensure_disk_report()
    product.sign_in(page, "olga")
    page.goto(f"{product.base}/runbooks/")
    page.click("text=disk-report")
    page.fill("input[name='param.mount']", "/tmp; reboot")
    page.select_option("#target-select", "web-1")
    page.click("button:has-text('Run with these parameters and targets')")
    expect(page.locator("main")).to_contain_text("mount")
    expect(page.locator("input[name='param.mount']")).to_have_value("/tmp; reboot")  # what was typed is kept
    before = product.world.shell(
        "from runbooks.models import Execution; print(Execution.objects.filter(requested_by__username='olga').count())"
    )
    assert before == "0"
    page.goto(f"{product.base}/profile/")
    page.fill("#id_old_password", "not my password")
    page.fill("#id_new_password", "another-long-passphrase-1")
    page.click("button:has-text('Change password')")
    expect(page.locator("main")).to_contain_text("current password is not right")
    page.screenshot(path=str(artifacts / "journey-8-bad-input.png"), full_page=True)
