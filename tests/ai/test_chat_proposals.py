"""Tool-call proposals: the assistant proposes, the user sees the dry-run plan and confirms; the runbook engine does
the rest through a normal execution request with trigger `chat` (approval still required where the runbook says)."""

from __future__ import annotations

from typing import Any

import pytest

from ai.models import ChatProposal
from ai.services.proposals import ProposalRefused, confirm_proposal, decline_proposal
from config.asgi import application
from remediation.actors import Actor
from remediation.models import AuditEvent
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from tests.ai.conftest import run_async, ws_headers
from tests.factories import AlertFactory, ChatSessionFactory, ServerFactory
from tests.factories.terminal import grant
from tests.llm_server import LLMServer, Reply, tool_call

RESTART = {
    "name": "restart-service",
    "description": "Restart one systemd unit",
    "parameters": [{"name": "service", "required": True, "pattern": "^[a-z0-9_.-]+$"}],
    "requires_approval": True,
    "steps": [{"name": "restart", "kind": "ssh", "command": "systemctl restart {{ params.service }}"}],
}


def _propose(server_name: str) -> Reply:
    arguments = {
        "runbook": "restart-service",
        "params": {"service": "nginx"},
        "targets": [server_name],
        "reason": "hung",
    }
    return Reply(content="I suggest restarting nginx.", tool_calls=[tool_call("propose_runbook_execution", arguments)])


@pytest.mark.django_db(transaction=True)
def test_it_turns_a_confirmed_proposal_into_a_chat_execution_request(
    operator, admin_user, provider, llm_server: LLMServer
) -> None:  # type: ignore[no-untyped-def]
    save_runbook(RESTART, actor=Actor.of(admin_user))
    server = ServerFactory(
        name="web1", host_key_type="ssh-ed25519", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPinnedForTheTest"
    )
    grant(operator, server)
    session = ChatSessionFactory(user=operator, provider=provider, alert=AlertFactory())
    llm_server.push(_propose("web1"))

    async def scenario() -> list[dict[str, Any]]:
        from channels.testing import WebsocketCommunicator

        socket = WebsocketCommunicator(application, f"/ws/chat/{session.pk}/", headers=ws_headers(operator))
        await socket.connect()
        await socket.receive_json_from(timeout=60)
        await socket.send_json_to({"type": "message", "content": "nginx is hung on web1"})
        events = []
        while not events or events[-1]["type"] != "proposal":
            events.append(await socket.receive_json_from(timeout=120))
        assert await socket.receive_nothing()  # nothing runs until the user confirms
        proposal = events[-1]["proposal"]
        await socket.send_json_to({"type": "confirm", "proposal": proposal["id"]})
        events.append(await socket.receive_json_from(timeout=120))
        await socket.disconnect()
        return events

    events = run_async(scenario)
    proposed, decided = events[-2]["proposal"], events[-1]["proposal"]
    assert proposed["status"] == "proposed" and proposed["target_ids"] == [server.pk]
    assert proposed["plan"]["ok"] is True, proposed["plan"]["problems"]
    assert proposed["plan"]["steps"][0]["runs"][0]["rendered"] == "RE_V1='nginx'\nsystemctl restart \"${RE_V1}\""
    tools = llm_server.requests[0]["tools"][0]["function"]
    assert tools["name"] == "propose_runbook_execution" and tools["parameters"]["properties"]["runbook"]["enum"] == [
        "restart-service"
    ]
    execution = Execution.objects.get()
    assert decided["status"] == "confirmed" and decided["execution_id"] == execution.pk
    assert (execution.trigger, execution.status, execution.requested_by) == ("chat", "awaiting_approval", operator)
    assert execution.params == {"service": "nginx"} and execution.target_ids == [server.pk]
    assert AuditEvent.objects.filter(action="chat.proposal_confirmed").exists()


@pytest.mark.django_db
def test_it_refuses_to_confirm_twice_or_without_the_execute_permission(operator, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    save_runbook(RESTART, actor=Actor.of(admin_user))
    proposal = _stored_proposal(viewer)
    with pytest.raises(ProposalRefused):
        confirm_proposal(proposal, actor=Actor.of(viewer))
    mine = _stored_proposal(operator)
    assert decline_proposal(mine, actor=Actor.of(operator)).status == "declined"
    with pytest.raises(ProposalRefused):
        confirm_proposal(mine, actor=Actor.of(operator))
    assert not Execution.objects.exists()


@pytest.mark.django_db
def test_it_records_a_refused_plan_as_a_failed_proposal(operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    save_runbook(RESTART, actor=Actor.of(admin_user))
    proposal = _stored_proposal(operator, targets=["no-such-server"])
    decided = confirm_proposal(proposal, actor=Actor.of(operator))
    assert decided.status == "failed" and "plan has problems" in decided.error
    assert not Execution.objects.exists()


def _stored_proposal(user, targets: list[str] | None = None) -> ChatProposal:  # type: ignore[no-untyped-def]
    from tests.factories import ChatMessageFactory

    message = ChatMessageFactory(session=ChatSessionFactory(user=user), role="assistant")
    return ChatProposal.objects.create(
        session=message.session,
        message=message,
        runbook_name="restart-service",
        params={"service": "nginx"},
        targets=targets or [],
    )
