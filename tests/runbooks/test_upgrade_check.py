"""Runbooks stored before the placement rules (rows inserted directly, as an older version wrote them) are listed by
`manage.py check`, the API and the admin with the reason and the safe form, cannot run, and are never rewritten.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.checks import run_checks

from remediation.actors import Actor
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from runbooks.choices import ExecutionStatus
from runbooks.models import Execution, Runbook, RunbookVersion, Step
from runbooks.services.definitions import definition_of
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.runner import run_execution
from tests.processes import ROOT
from tests.runbooks.world import World

UNSAFE_COMMAND = 'sh -c "echo restarting {{ alert.labels.service }}"'
OLD_ROWS = """
from runbooks.models import Runbook, RunbookVersion, Step
from runbooks.services.definitions import definition_of
from remediation.actors import Actor
runbook = Runbook.objects.create(name="legacy-restart", version=1)
Step.objects.create(runbook=runbook, name="restart", command={command!r})
RunbookVersion.objects.create(runbook=runbook, number=1, definition=definition_of(runbook))
"""


def old_runbook(command: str, name: str = "legacy") -> Runbook:
    """The rows an older version stored: a runbook, its step and its version, with no placement check."""
    runbook = Runbook.objects.create(name=name, version=1)
    Step.objects.create(runbook=runbook, name="restart", command=command)
    RunbookVersion.objects.create(runbook=runbook, number=1, definition=definition_of(runbook))
    return runbook


def test_manage_py_check_lists_it_with_the_reason_and_the_safe_form(tmp_path: Path) -> None:
    world = World(tmp_path, port=9)
    world.shell(OLD_ROWS.format(command=UNSAFE_COMMAND))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=world.env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # a warning: the server an author needs to fix it still starts
    assert "runbooks.W001" in output and "legacy-restart" in output
    assert "{{ alert.labels.service }} would be read as code by `sh -c`" in output and "Safe form:" in output
    assert output.count("runbooks.W001") == 1  # the runbooks saved through the service are not listed


@pytest.mark.django_db(transaction=True)
def test_it_is_listed_and_refused_and_never_rewritten(sshd, authorized_keys, admin_user, api_as, client) -> None:  # type: ignore[no-untyped-def]
    runbook = old_runbook(UNSAFE_COMMAND)
    safe = old_runbook("systemctl restart {{ alert.labels.service }}", name="legacy-safe")
    warnings = [m for m in run_checks() if m.id == "runbooks.W001"]
    assert [w.obj for w in warnings] == [runbook]

    body = api_as(admin_user).get(f"/api/v1/runbooks/{runbook.pk}/").json()
    [problem] = body["template_problems"]
    assert problem["step"] == "restart" and problem["field"] == "command" and "Safe form:" in problem["problem"]
    listed = api_as(admin_user).get("/api/v1/runbooks/").json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert {r["name"]: bool(r["template_problems"]) for r in items} == {"legacy": True, "legacy-safe": False}

    client.force_login(admin_user)
    page = client.get("/admin/runbooks/runbook/?templates=refused").content.decode()
    assert "legacy" in page and "legacy-safe" not in page and "refused — cannot run" in page
    assert "would be read as code by" in client.get(f"/admin/runbooks/runbook/{runbook.pk}/change/").content.decode()

    marker = Path(tempfile.mkdtemp(dir="/tmp")) / "pwned"
    marker.parent.chmod(0o1777)
    server = _pinned_server(sshd, authorized_keys, admin_user)
    alert = {"labels": {"service": f"$(touch {marker})"}}
    with pytest.raises(ExecutionRefused) as refused:
        request_execution(runbook, actor=Actor.of(admin_user), target_ids=[server.pk], alert=alert)
    assert any("would be read as code" in p for p in refused.value.problems)
    # An execution queued before the upgrade: the runner refuses it before anything reaches the server.
    queued = Execution.objects.create(
        runbook=runbook,
        version=runbook.versions.get(),
        target_ids=[server.pk],
        alert=alert,
        status=ExecutionStatus.PENDING,
    )
    run_execution(queued.pk)
    queued.refresh_from_db()
    assert queued.status == ExecutionStatus.FAILED and "would be read as code" in queued.status_reason
    assert not queued.step_runs.exists() and not marker.exists()
    assert Step.objects.get(runbook=runbook).command == UNSAFE_COMMAND and runbook.versions.count() == 1
    assert request_execution(safe, actor=Actor.of(admin_user), target_ids=[server.pk], alert=alert).plan["ok"]
    marker.parent.rmdir()


def _pinned_server(sshd, authorized_keys, admin_user) -> Server:  # type: ignore[no-untyped-def]
    credential = Credential.objects.create(
        name=f"k-{uuid.uuid4().hex[:6]}",
        kind=CredentialKind.SSH_KEY,
        private_key=authorized_keys["ed25519_openssh"].private_text,
    )
    server = Server.objects.create(
        name="web-1", hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential
    )
    pin_host_key(server, actor=Actor.of(admin_user), known_hosts_line=sshd.known_hosts_line())
    return server


@pytest.mark.django_db
def test_the_new_refusals_are_listed_for_runbooks_saved_before_them() -> None:
    """Executing options, values piped into xargs and write-then-run: what an older version saved is listed too."""
    commands = {
        "executing": "tar --checkpoint=1 --checkpoint-action=exec={{ alert.labels.x }} -cf /tmp/a.tar /etc/hostname",
        "xargs": "printf '%s\\n' {{ alert.labels.x }} | xargs rm",
        "write-run": "echo {{ alert.labels.x }} > /tmp/f; . /tmp/f",
        "container": "docker exec c ls {{ alert.labels.x }}",
    }
    runbooks = {kind: old_runbook(command, name=f"legacy-{kind}") for kind, command in commands.items()}
    warnings = {m.obj.name: m.msg for m in run_checks() if m.id == "runbooks.W001"}
    assert set(warnings) == {runbook.name for runbook in runbooks.values()}
    assert "`tar --checkpoint-action`" in warnings["legacy-executing"]
    assert "`xargs rm`" in warnings["legacy-xargs"]
    assert "written to a file that the command then runs" in warnings["legacy-write-run"]
    assert "`docker exec`" in warnings["legacy-container"]
