"""An investigation through a REAL qcluster worker: started from the shell, it auto-runs a read command on the real
sshd, waits for an approver, and after the approval (queued again after commit) runs the command and finishes."""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

from tests.ai.investigation_helpers import finish_reply, run_command_reply, tool_messages
from tests.llm_server import LLMServer
from tests.processes import running
from tests.runbooks.world import World, wait_for

SETUP = """
from django.contrib.auth import get_user_model
from ai.models import CommandAllowRule, Provider
from remediation.models import Server
Provider.objects.update(is_default=False)
Provider.objects.create(name="local", model="openai/gpt-4o-mini", api_base={url!r}, api_key="sk-local-test-key-12345",
                        enabled=True, is_default=True, timeout_seconds=10)
CommandAllowRule.objects.update_or_create(name="df", defaults={{"program": "df", "auto_approve_tags": ["lab"]}})
Server.objects.filter(pk={server}).update(name="db-3", tags=["lab"])
get_user_model().objects.create_superuser("boss", "b@example.test", "y" * 20)
"""

START = """
from django.contrib.auth import get_user_model
from ai.services.investigations import start_investigation
from remediation.models import Server
from remediation.actors import Actor
admin = get_user_model().objects.get(username="admin")
print(start_investigation(actor=Actor.of(admin), goal="disk on db-3", server=Server.objects.get(name="db-3")).pk)
"""

APPROVE = """
from django.contrib.auth import get_user_model
from ai.models import CommandRequest
from ai.services.investigations import decide_command
from remediation.actors import Actor
boss = get_user_model().objects.get(username="boss")
decide_command(CommandRequest.objects.get(status="pending"), actor=Actor.of(boss), approve=True)
"""


def status_of(world: World, investigation: int) -> str:
    return world.shell(
        f"from ai.models import Investigation; print(Investigation.objects.get(pk={investigation}).status)"
    )


def test_the_worker_runs_an_investigation_across_an_approval(
    tmp_path: Path, own_sshd, ssh_client_keys, llm_server: LLMServer
) -> None:  # type: ignore[no-untyped-def]
    key = ssh_client_keys["ed25519_openssh"]
    own_sshd.authorize(key)
    world = World(tmp_path, 9)
    server = world.add_ssh_server(
        own_sshd.host, own_sshd.port, own_sshd.username, key.private_text, own_sshd.known_hosts_line()
    )
    world.shell(SETUP.format(url=llm_server.url, server=server))
    marker = Path(tempfile.gettempdir()) / f"invest-worker-{uuid.uuid4().hex}"
    llm_server.push(
        run_command_reply("df -P /"),
        run_command_reply(f"touch {marker}", call_id="call_2"),
        finish_reply(),
    )
    with running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"):
        investigation = int(world.shell(START))
        wait_for(lambda: status_of(world, investigation) == "waiting_approval", 90, "the first approval request")
        assert own_sshd.connection_count() == 1 and not marker.exists()
        world.shell(APPROVE)
        wait_for(lambda: status_of(world, investigation) == "completed", 90, "the investigation to finish")
    assert marker.exists()
    marker.unlink()
    assert own_sshd.connection_count() == 2
    assert len(llm_server.requests) == 3
    assert "Filesystem" in tool_messages(llm_server.requests[1])[0]
    assert "exit code 0" in tool_messages(llm_server.requests[2])[1]
