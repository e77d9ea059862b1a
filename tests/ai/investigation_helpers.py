"""Shared pieces of the investigation tests: a pinned server on a fresh real sshd, the scripted model turns."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ai.models import CommandAllowRule, Investigation
from ai.services.investigations import start_investigation
from ai.tasks import run_investigation
from remediation.actors import Actor
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from runbooks.models import CommandPolicyRule
from runbooks.policy_defaults import DEFAULT_RULES
from tests.llm_server import Reply, tool_call


def seed_policy(*, auto_tags: list[str]) -> None:
    """The runbook blocklist and a few allow rules (transactional tests flush the data-migration rows)."""
    for name, pattern, description, overridable in DEFAULT_RULES:
        CommandPolicyRule.objects.get_or_create(
            name=name, defaults={"pattern": pattern, "description": description, "overridable": overridable}
        )
    CommandAllowRule.objects.update_or_create(name="df", defaults={"program": "df", "auto_approve_tags": auto_tags})
    CommandAllowRule.objects.update_or_create(
        name="cat tmp", defaults={"program": "cat", "path_prefixes": ["/tmp/"], "auto_approve_tags": auto_tags}
    )


def lab_server(sshd: Any, key: Any, admin: Any, *, tags: list[str]) -> Server:
    """A server pointing at `sshd`, its host key pinned, with a key credential."""
    sshd.authorize(key)
    credential = Credential.objects.create(
        name=f"cred-{uuid.uuid4().hex[:6]}", kind=CredentialKind.SSH_KEY, private_key=key.private_text
    )
    server = Server.objects.create(
        name="db-3", hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential, tags=tags
    )
    pin_host_key(server, actor=Actor.of(admin), known_hosts_line=sshd.known_hosts_line())
    return server


def run_command_reply(command: str, *, call_id: str = "call_1", server: str = "db-3") -> Reply:
    arguments = {"server": server, "command": command, "why": "to see what is going on"}
    return Reply(content="Let me look.", tool_calls=[tool_call("run_command", arguments, call_id)])


def finish_reply(summary: str = "The disk is full of logs.", call_id: str = "call_fin") -> Reply:
    arguments = {
        "summary": summary,
        "evidence": [{"command": "df -h", "server": "db-3", "observation": "/ at 100%"}],
        "likely_cause": "log rotation stopped",
        "recommendation": {"runbook": "", "params": {}, "next_step": "rotate the logs"},
    }
    return Reply(content="", tool_calls=[tool_call("finish", arguments, call_id)])


def start(user: Any, server: Server, provider: Any, **budgets: Any) -> Investigation:
    return start_investigation(
        actor=Actor.of(user), goal="Why is the disk full on db-3?", server=server, provider=provider, budgets=budgets
    )


def advance(investigation: Investigation) -> Investigation:
    """The worker task, in process."""
    run_investigation(investigation.pk)
    investigation.refresh_from_db()
    return investigation


def tool_messages(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def everything_sent(requests: list[dict[str, Any]]) -> str:
    return json.dumps(requests)
