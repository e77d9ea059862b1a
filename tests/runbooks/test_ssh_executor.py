"""The `ssh` executor against a real OpenSSH server on loopback (tests/sshd.py), through remediation/ssh/."""

from __future__ import annotations

import glob
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from remediation.actors import Actor
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from runbooks.services.execute import request_execution
from runbooks.services.runner import run_execution
from tests.factories.runbooks import execution_of, run_and_close, step

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def servers(sshd, authorized_keys, admin_user):  # type: ignore[no-untyped-def]
    """servers(n) → n pinned Server rows, all pointing at the fixture sshd (key credential: the test user's
    password is reset by every test session on this machine, a key is not)."""
    key = authorized_keys["ed25519_openssh"]
    credential = Credential.objects.create(
        name=f"cred-{uuid.uuid4().hex[:6]}", kind=CredentialKind.SSH_KEY, private_key=key.private_text
    )

    def make(count: int = 1, pinned: bool = True) -> list[int]:
        ids = []
        for _ in range(count):
            server = Server.objects.create(
                name=f"web-{uuid.uuid4().hex[:8]}",
                hostname=sshd.host,
                port=sshd.port,
                username=sshd.username,
                credential=credential,
            )
            if pinned:
                pin_host_key(server, actor=Actor.of(admin_user), known_hosts_line=sshd.known_hosts_line())
            ids.append(server.pk)
        return ids

    return make


def _run(steps, targets, **fields):  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": steps, **fields.pop("definition", {})}, target_ids=targets, **fields)
    run_execution(execution.pk)
    execution.refresh_from_db()
    return execution


def _remote_processes(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False).stdout
    return found.split()


@pytest.mark.parametrize("label", ["x'; touch /tmp/pwned-$RANDOM; echo '", "$(id)", "`id`; touch /tmp/pwned-b"])
def test_it_passes_alert_labels_as_literal_arguments(servers, label) -> None:  # type: ignore[no-untyped-def]
    before = set(glob.glob("/tmp/pwned-*"))
    execution = _run(
        [step("echo", command="printf '%s\\n' {{ alert.labels.x }}")], servers(1), alert={"labels": {"x": label}}
    )
    row = execution.step_runs.get()
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason
    assert row.stdout == label + "\n" and row.exit_code == 0
    assert "uid=" not in row.stdout
    assert set(glob.glob("/tmp/pwned-*")) == before


def test_it_runs_on_every_target_in_parallel(servers, sshd) -> None:  # type: ignore[no-untyped-def]
    ids = servers(3)
    execution = _run([step("who", command="echo {{ target.name }} $(whoami)")], ids)
    rows = list(execution.step_runs.all())
    assert sorted(r.target_id for r in rows) == sorted(ids)
    assert all(r.stdout == f"{r.target_name} {sshd.username}\n" for r in rows)


def test_it_plans_and_dry_runs_without_any_connection(servers, sshd, http_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    ids = servers(2)
    runbook = save_runbook(
        {
            "name": "dry",
            "parameters": [{"name": "svc", "default": "nginx"}],
            "steps": [
                {"name": "restart", "command": "systemctl restart {{ params.svc }}"},
                {"name": "bad", "command": "echo {{ params.nope }}"},
                {"name": "blocked", "command": "mkfs.ext4 /dev/sdz"},
                {"name": "notify", "kind": "http", "url": http_server.base + "/status/200"},
            ],
        },
        actor=Actor.of(admin_user),
    )
    connections = sshd.connection_count()
    execution = request_execution(runbook, actor=Actor.of(admin_user), target_ids=[*ids, 987654], dry_run=True)
    problems = " | ".join(execution.plan["problems"])
    assert "undefined variable" in problems and "mkfs" in problems and "unknown target 987654" in problems
    run_execution(execution.pk)
    execution.refresh_from_db()
    assert sshd.connection_count() == connections and http_server.count() == 0
    # The unknown target fails the dry run before any step; the plan above already named every problem.
    assert execution.status == ExecutionStatus.FAILED and "unknown target 987654" in execution.status_reason
    assert not execution.step_runs.exists()


def test_it_dry_runs_a_clean_plan_end_to_end_without_connecting(servers, sshd, http_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    ids = servers(2)
    steps = [
        step("restart", command="systemctl restart nginx"),
        step("notify", kind="http", url=http_server.base + "/status/200"),
    ]
    connections = sshd.connection_count()
    execution = _run(steps, ids, dry_run=True)
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert [r.status for r in execution.step_runs.all()] == ["dry_run"] * 4
    assert sshd.connection_count() == connections and http_server.count() == 0


def test_it_retries_a_failing_command_until_it_succeeds(servers) -> None:  # type: ignore[no-untyped-def]
    counter = f"/tmp/rb-count-{uuid.uuid4().hex}"
    command = (
        "n=$(cat {{ params.f }} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {{ params.f }}; echo try $n; [ $n -ge 3 ]"
    )
    flaky = step("flaky", command=command, retries=3, retry_on_failure=True, retry_backoff_seconds=0.05)
    execution = _run([flaky], servers(1), definition={"parameters": [{"name": "f"}]}, params={"f": counter})
    rows = list(execution.step_runs.all())
    assert [(r.attempt, r.exit_code) for r in rows] == [(1, 1), (2, 1), (3, 0)]
    assert rows[-1].stdout == "try 3\n" and execution.status == ExecutionStatus.SUCCEEDED


def test_it_ends_a_command_at_its_timeout_and_the_remote_process_is_gone(servers) -> None:  # type: ignore[no-untyped-def]
    marker = f"60.{uuid.uuid4().int % 10**6}"
    execution = _run([step("slow", command=f"sleep {marker}", timeout_seconds=2)], servers(1))
    row = execution.step_runs.get()
    assert (row.status, row.error_kind) == ("failed", "timeout")  # ended by its 2 s timeout, not by `sleep 60`
    deadline = time.monotonic() + 5
    while _remote_processes(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _remote_processes(f"sleep {marker}") == []


def test_it_rolls_back_completed_steps_in_reverse_order(servers) -> None:  # type: ignore[no-untyped-def]
    log = f"/tmp/rb-log-{uuid.uuid4().hex}"
    steps = [
        step("one", command="echo do-one >> {{ params.log }}", rollback_command="echo undo-one >> {{ params.log }}"),
        step("two", command="echo do-two >> {{ params.log }}", rollback_command="echo undo-two >> {{ params.log }}"),
        step("three", command="exit 4", on_failure="rollback"),
        step("four", command="echo never >> {{ params.log }}"),
    ]
    ids = servers(2)
    execution = _run(steps, ids, definition={"parameters": [{"name": "log"}]}, params={"log": log})
    assert execution.status == ExecutionStatus.FAILED and "rolled back 2 step(s)" in execution.status_reason
    rollback_rows = [(r.step_name, r.status) for r in execution.step_runs.filter(phase="rollback")]
    assert rollback_rows == [("two", "succeeded")] * 2 + [("one", "succeeded")] * 2
    lines = Path(log).read_text().split()
    assert lines == ["do-one"] * 2 + ["do-two"] * 2 + ["undo-two"] * 2 + ["undo-one"] * 2


def test_it_continues_evaluates_conditions_and_passes_captured_output(servers) -> None:  # type: ignore[no-untyped-def]
    steps = [
        step("check", command="echo 'version: 1.2.3'; exit 3", expected_exit_codes=[0], on_failure="continue"),
        step("read", command="echo 'version: 1.2.3'", output_pattern=r"version: (\S+)", capture_as="ver"),
        step(
            "fix",
            command="echo fixing {{ vars.ver }} after {{ steps.check.exit_code }}",
            condition="steps.check.exit_code == 3",
        ),
        step("skip", command="echo nope", condition="steps.check.exit_code == 0"),
    ]
    execution = _run(steps, servers(1))
    rows = {r.step_name: r for r in execution.step_runs.all()}
    assert execution.status == ExecutionStatus.SUCCEEDED and "tolerated" in execution.status_reason
    assert (rows["check"].status, rows["check"].exit_code) == ("failed", 3)
    assert rows["fix"].rendered == "RE_V1='1.2.3'\nRE_V2='3'\necho fixing \"${RE_V1}\" after \"${RE_V2}\""
    assert rows["fix"].stdout == "fixing 1.2.3 after 3\n"
    assert rows["skip"].status == "skipped"


def test_it_cancels_mid_sleep_and_closes_the_channel(servers) -> None:  # type: ignore[no-untyped-def]
    marker = f"59.{uuid.uuid4().int % 10**6}"
    execution = execution_of(
        {"steps": [step("slow", command=f"sleep {marker}", timeout_seconds=120)]}, target_ids=servers(1)
    )
    worker = threading.Thread(target=run_and_close, args=(execution.pk,))
    worker.start()
    deadline = time.monotonic() + 20
    while not _remote_processes(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    Execution.objects.filter(pk=execution.pk).update(cancel_requested=True)
    worker.join(20)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.CANCELLED  # how soon is a speed: bench/, not here
    assert execution.step_runs.get().status == "cancelled"
    deadline = time.monotonic() + 5
    while _remote_processes(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _remote_processes(f"sleep {marker}") == []


def test_it_refuses_an_unpinned_host_key(servers) -> None:  # type: ignore[no-untyped-def]
    execution = _run([step("a", command="true")], servers(1, pinned=False))
    row = execution.step_runs.get()
    assert execution.status == ExecutionStatus.FAILED and "no pinned SSH host key" in row.error
