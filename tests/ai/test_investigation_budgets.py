"""Investigations: secrets printed by a command never reach the model, and each budget ends it with its reason."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import pytest

from ai.choices import CommandStatus, EndReason, InvestigationStatus
from ai.models import RedactionPattern
from remediation.models import Credential, CredentialKind
from tests.ai.investigation_helpers import (
    advance,
    everything_sent,
    finish_reply,
    lab_server,
    run_command_reply,
    seed_policy,
    start,
)
from tests.factories.terminal import grant
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lab(own_sshd, ssh_client_keys, admin_user, operator):  # type: ignore[no-untyped-def]
    seed_policy(auto_tags=["lab"])
    server = lab_server(own_sshd, ssh_client_keys["ed25519_openssh"], admin_user, tags=["lab"])
    grant(operator, server)
    return server


@pytest.fixture
def readable_file():  # type: ignore[no-untyped-def]
    folder = Path(tempfile.mkdtemp(prefix="invest-"))
    folder.chmod(0o755)
    made: list[Path] = []

    def write(text: str) -> Path:
        path = folder / f"f{len(made)}.txt"
        path.write_text(text)
        path.chmod(0o644)
        made.append(path)
        return path

    yield write
    for path in made:
        path.unlink()
    folder.rmdir()


def test_credential_values_keys_and_configured_patterns_never_reach_the_model(
    lab, operator, provider, llm_server: LLMServer, readable_file
) -> None:  # type: ignore[no-untyped-def]
    password = "Cr3d-" + secrets.token_urlsafe(16)
    Credential.objects.create(name="db-admin", kind=CredentialKind.SSH_PASSWORD, password=password)
    key_body = "b3BlbnNzaC1rZXktdjE" + secrets.token_urlsafe(40)
    customer = "CUST-" + secrets.token_hex(6)
    RedactionPattern.objects.create(name="customer ids", pattern=r"CUST-[0-9a-f]{12}")
    path = readable_file(
        f"db password is {password}\n"
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{key_body}\n{key_body[::-1]}\n-----END OPENSSH PRIVATE KEY-----\n"
        f"order for {customer}\nend of file\n"
    )
    llm_server.push(run_command_reply(f"cat {path}"), finish_reply())
    investigation = advance(start(operator, lab, provider))

    command = investigation.commands.get()
    assert command.status == CommandStatus.RAN and "end of file" in command.output
    sent = everything_sent(llm_server.requests)
    assert "end of file" in sent  # the output did reach the model …
    for secret in (password, key_body, key_body[::-1], customer):  # … without any of these
        assert secret not in sent
        assert secret not in command.output
        assert not investigation.entries.filter(content__contains=secret).exists()
    assert "********" in command.output


def test_a_cut_short_private_key_is_masked_to_the_end(
    lab, operator, provider, llm_server: LLMServer, readable_file, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.AI_INVESTIGATION_OUTPUT_LIMIT = 200
    key_body = secrets.token_urlsafe(400)
    path = readable_file(f"-----BEGIN RSA PRIVATE KEY-----\n{key_body}\n")
    llm_server.push(run_command_reply(f"cat {path}"), finish_reply())
    advance(start(operator, lab, provider))
    sent = everything_sent(llm_server.requests)
    assert key_body[:40] not in sent and key_body[-40:] not in sent


def test_output_is_capped_with_a_marker(
    lab, operator, provider, llm_server: LLMServer, readable_file, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.AI_INVESTIGATION_OUTPUT_LIMIT = 500
    path = readable_file("line of log\n" * 1000)
    llm_server.push(run_command_reply(f"cat {path}"), finish_reply())
    command = advance(start(operator, lab, provider)).commands.get()
    assert command.output_truncated and "output truncated" in command.output
    assert len(command.output) < 600


def test_the_step_budget_ends_it(lab, operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(*(run_command_reply("df -P /", call_id=f"c{n}") for n in range(5)))
    investigation = advance(start(operator, lab, provider, max_steps=2))
    assert investigation.status == InvestigationStatus.COMPLETED
    assert investigation.end_reason == EndReason.STEP_BUDGET
    assert investigation.steps == 2 and len(llm_server.requests) == 2


def test_the_token_budget_ends_it(lab, operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(
        Reply(content="", tool_calls=run_command_reply("df -P /").tool_calls, prompt_tokens=900, completion_tokens=200),
        finish_reply(),
    )
    investigation = advance(start(operator, lab, provider, max_tokens=1000))
    assert investigation.end_reason == EndReason.TOKEN_BUDGET
    assert investigation.prompt_tokens + investigation.completion_tokens == 1100
    # the reply that spent it is recorded, its command is not acted on
    assert not investigation.commands.exists() and len(llm_server.requests) == 1


def test_the_time_budget_ends_it(lab, operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    slow = run_command_reply("df -P /")
    slow.delay = 1.5
    llm_server.push(slow, finish_reply())
    investigation = advance(start(operator, lab, provider, max_seconds=1))
    assert investigation.end_reason == EndReason.TIME_BUDGET
    assert investigation.status == InvestigationStatus.COMPLETED
    assert len(llm_server.requests) == 1 and investigation.finished_at is not None


def test_a_provider_failure_ends_it_with_the_reason(lab, operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(*(Reply(status=400) for _ in range(3)))
    investigation = advance(start(operator, lab, provider))
    assert investigation.status == InvestigationStatus.FAILED
    assert investigation.end_reason == EndReason.PROVIDER_ERROR
    assert "sk-live" not in investigation.error


def test_the_cost_budget_ends_it(lab, operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    costly = Reply(content="", tool_calls=run_command_reply("df -P /").tool_calls, prompt_tokens=2000)
    llm_server.push(costly, finish_reply())
    investigation = advance(start(operator, lab, provider, max_cost_usd="0.0002"))
    assert investigation.end_reason == EndReason.COST_BUDGET
    assert investigation.cost_usd > 0 and len(llm_server.requests) == 1


def test_a_reply_without_tools_is_answered_with_a_nudge_and_counts_as_a_step(
    lab, operator, provider, llm_server: LLMServer
) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(content="Probably the logs."), finish_reply())
    investigation = advance(start(operator, lab, provider))
    last = llm_server.requests[1]["messages"][-2:]
    assert last[0] == {"role": "assistant", "content": "Probably the logs."}
    assert last[1]["role"] == "user" and "tool calls only" in last[1]["content"]
    assert investigation.steps == 2 and investigation.end_reason == EndReason.FINISHED
