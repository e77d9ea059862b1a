"""Provider fallback and choice: two local OpenAI-compatible servers, the real LiteLLM path, the records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ai import tasks
from ai.llm import ProviderError
from ai.models import Analysis, ChatMessage, ChatSession, Provider
from ai.services.providers import complete_with_fallback
from config.asgi import application
from remediation.models import AuditEvent
from tests.ai.conftest import run_async, ws_headers
from tests.factories import AlertFactory, ChatSessionFactory, ProviderFactory
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.django_db

ANSWER = json.dumps(
    {
        "summary": "Disk full.",
        "probable_cause": "Logs.",
        "impact": "Writes fail.",
        "verification_commands": ["df -h"],
        "recommended_runbook": None,
        "confidence": 0.5,
    }
)
MESSAGES = [{"role": "user", "content": "Say OK"}]


@pytest.fixture
def backup_server() -> Iterator[LLMServer]:
    server = LLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def backup(db, provider, backup_server: LLMServer) -> Provider:  # type: ignore[no-untyped-def]
    """An enabled second provider on its own server, named as the default provider's fallback."""
    fallback = ProviderFactory(name="backup", model="openai/backup-model", api_base=backup_server.url)
    provider.fallback = fallback
    provider.save()
    return fallback


@pytest.mark.parametrize("failure", [Reply(status=500), Reply(status=429)], ids=["500", "429"])
def test_it_falls_back_after_the_primary_fails_and_says_who_answered(
    provider, backup, llm_server: LLMServer, backup_server: LLMServer, failure: Reply
) -> None:
    llm_server.default = failure
    backup_server.push(Reply(content="from the backup"))
    completion, answered = complete_with_fallback(provider, MESSAGES)
    assert answered == backup and completion.content == "from the backup"
    assert completion.model == "openai/backup-model" and completion.provider == "backup"
    assert len(llm_server.requests) == 3  # the primary's own retries (AI_MAX_RETRIES=2) came first
    assert len(backup_server.requests) == 1 and backup_server.requests[0]["messages"] == MESSAGES


def test_it_falls_back_after_timeouts(provider, backup, llm_server: LLMServer, backup_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    Provider.objects.filter(pk=provider.pk).update(timeout_seconds=1)
    provider.refresh_from_db()
    llm_server.default = Reply(delay=2.5)
    completion, answered = complete_with_fallback(provider, MESSAGES)
    assert answered == backup and completion.content == "OK" and len(backup_server.requests) == 1


def test_a_refused_request_does_not_fall_back(provider, backup, llm_server, backup_server) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(status=400))
    with pytest.raises(ProviderError) as caught:
        complete_with_fallback(provider, MESSAGES)
    assert caught.value.kind == "request" and backup_server.requests == []


def test_a_disabled_fallback_is_not_called(provider, backup, llm_server, backup_server) -> None:  # type: ignore[no-untyped-def]
    Provider.objects.filter(pk=backup.pk).update(enabled=False)
    provider.refresh_from_db()
    llm_server.default = Reply(status=500)
    with pytest.raises(ProviderError):
        complete_with_fallback(provider, MESSAGES)
    assert backup_server.requests == []


def test_the_analysis_names_the_fallback_model(operator, provider, backup, llm_server, backup_server) -> None:  # type: ignore[no-untyped-def]
    from ai.services.analysis import request_analysis
    from remediation.actors import Actor

    llm_server.default = Reply(status=500)
    backup_server.push(Reply(content=ANSWER))
    analysis, _ = request_analysis(AlertFactory(), actor=Actor.of(operator))
    assert tasks.run_analysis(analysis.pk) == "succeeded"
    analysis.refresh_from_db()
    assert (analysis.provider_name, analysis.model, analysis.summary) == ("backup", "openai/backup-model", "Disk full.")
    assert analysis.attempts == 4  # three to the primary, one to the fallback


def _chat_reply(session: ChatSession, user: Any) -> list[dict[str, Any]]:
    from channels.testing import WebsocketCommunicator

    async def scenario() -> list[dict[str, Any]]:
        socket = WebsocketCommunicator(application, f"/ws/chat/{session.pk}/", headers=ws_headers(user))
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=60))["type"] == "history"
        await socket.send_json_to({"type": "message", "content": "Why is db1 alerting?"})
        events = []
        while not events or events[-1]["type"] not in ("done", "error"):
            events.append(await socket.receive_json_from(timeout=120))
        await socket.disconnect()
        return events

    return run_async(scenario)


@pytest.mark.django_db(transaction=True)
def test_the_chat_message_names_the_fallback_model(operator, provider, backup, llm_server, backup_server) -> None:  # type: ignore[no-untyped-def]
    session = ChatSessionFactory(user=operator, provider=provider)
    llm_server.default = Reply(status=503)
    backup_server.push(Reply(content="the backup speaks"))
    events = _chat_reply(session, operator)
    assert events[-1]["type"] == "done", events
    assert events[-1]["message"]["model"] == "openai/backup-model"  # the page shows who answered
    message = ChatMessage.objects.get(session=session, role="assistant")
    assert message.content == "the backup speaks" and message.model == "openai/backup-model"
    assert backup_server.requests[0]["stream"] is True and len(llm_server.requests) == 3


def test_the_operator_picks_the_provider_of_an_analysis(  # type: ignore[no-untyped-def]
    operator, api_as, provider, backup, llm_server, backup_server
) -> None:
    alert = AlertFactory()
    backup_server.push(Reply(content=ANSWER))
    response = api_as(operator).post(f"/api/v1/alerts/{alert.pk}/analyze/", {"provider": "backup"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["provider_name"] == "backup"
    tasks.run_analysis(response.json()["id"])
    assert llm_server.requests == [] and len(backup_server.requests) == 1
    assert Analysis.objects.get().model == "openai/backup-model"
    assert AuditEvent.objects.get(action="analysis.requested").after["provider"] == "backup"


@pytest.mark.parametrize("choice", ["disabled", "nobody", "999999"])
def test_a_disabled_or_unknown_provider_is_refused_and_nothing_changes(operator, api_as, provider, choice) -> None:  # type: ignore[no-untyped-def]
    ProviderFactory(name="disabled", enabled=False)
    alert = AlertFactory()
    response = api_as(operator).post(f"/api/v1/alerts/{alert.pk}/analyze/", {"provider": choice}, format="json")
    assert response.status_code == 400 and "provider" in json.dumps(response.json())
    assert ("disabled" in response.content.decode()) == (choice == "disabled")
    assert not Analysis.objects.exists()
    chat = api_as(operator).post("/api/v1/chat/sessions/", {"title": "x", "provider": choice}, format="json")
    assert chat.status_code == 400 and not ChatSession.objects.exists()


def test_the_operator_picks_the_provider_of_a_chat(operator, api_as, provider, backup) -> None:  # type: ignore[no-untyped-def]
    response = api_as(operator).post("/api/v1/chat/sessions/", {"title": "x", "provider": backup.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["provider"] == "backup" and ChatSession.objects.get().provider == backup
    default = api_as(operator).post("/api/v1/chat/sessions/", {"title": "y"}, format="json")
    assert default.json()["provider"] == provider.name


def test_the_portal_forms_offer_and_honour_the_choice(operator, client, provider, backup) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    client.force_login(operator)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'name="provider"' in page and "backup" in page
    client.post(f"/ai/alerts/{alert.pk}/analyze/", {"provider": str(backup.pk)})
    assert Analysis.objects.get().provider_name == "backup"
    ProviderFactory(name="off", enabled=False)
    refused = client.post("/ai/chat/new/", {"provider": "off"}, follow=True).content.decode()
    assert "disabled" in refused and not ChatSession.objects.exists()
    client.post("/ai/chat/new/", {"provider": str(backup.pk), "title": "t"})
    assert ChatSession.objects.get().provider == backup


def test_a_provider_cannot_fall_back_to_itself_or_in_a_cycle(admin_user, api_as, provider, backup) -> None:  # type: ignore[no-untyped-def]
    client = api_as(admin_user)
    itself = client.patch(f"/api/v1/ai/providers/{provider.pk}/", {"fallback": provider.pk}, format="json")
    assert itself.status_code == 400 and "fallback" in itself.json()["errors"]
    cycle = client.patch(f"/api/v1/ai/providers/{backup.pk}/", {"fallback": provider.pk}, format="json")
    assert cycle.status_code == 400 and "cycle" in json.dumps(cycle.json())
    backup.refresh_from_db()
    assert backup.fallback is None
    third = ProviderFactory(name="third")
    ok = client.patch(f"/api/v1/ai/providers/{backup.pk}/", {"fallback": third.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["fallback"] == third.pk
    assert AuditEvent.objects.filter(action="provider.updated").last().after == {"fallback": third.pk}


def test_the_admin_sets_a_fallback_and_refuses_itself(admin_user, client, provider, backup) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    form = {
        "name": provider.name,
        "model": provider.model,
        "api_base": provider.api_base,
        "timeout_seconds": 2,
        "temperature": 0.2,
        "max_tokens": 256,
        "enabled": "on",
        "is_default": "on",
    }
    url = f"/admin/ai/provider/{provider.pk}/change/"
    itself = client.post(url, {**form, "fallback": provider.pk})
    assert itself.status_code == 200 and "cannot be its own fallback" in itself.content.decode()
    assert client.post(url, {**form, "fallback": ""}).status_code == 302
    provider.refresh_from_db()
    assert provider.fallback is None


def test_an_investigation_falls_back_and_names_the_fallback_model(  # type: ignore[no-untyped-def]
    operator, provider, backup, llm_server, backup_server, django_capture_on_commit_callbacks
) -> None:
    from remediation.models import TerminalGrant
    from tests.ai.investigation_helpers import advance, finish_reply, start
    from tests.factories import ServerFactory

    server = ServerFactory(name="db-3")
    TerminalGrant.objects.create(user=operator, server=server)
    llm_server.default = Reply(status=500)
    backup_server.push(finish_reply("Found by the backup."))
    with django_capture_on_commit_callbacks(execute=False):
        investigation = start(operator, server, provider)
    investigation = advance(investigation)
    assert (investigation.status, investigation.finding["summary"]) == ("completed", "Found by the backup.")
    assert (investigation.provider_name, investigation.model) == ("backup", "openai/backup-model")
    assert len(llm_server.requests) == 3 and len(backup_server.requests) == 1
