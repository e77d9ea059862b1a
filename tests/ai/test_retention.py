"""Chat retention: messages older than RETENTION_CHAT_DAYS go, idle sessions with them; nothing newer."""

from __future__ import annotations

import datetime as dt

import pytest

from ai.models import ChatMessage, ChatProposal, ChatSession
from remediation.services.retention import purge_old_data, registered_purgers
from tests.factories import ChatMessageFactory, ChatSessionFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def days_ago(days: float, seconds: int = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, seconds=seconds)


@pytest.fixture(autouse=True)
def retention(settings):  # type: ignore[no-untyped-def]
    settings.RETENTION_CHAT_DAYS = 10
    return settings


def session_at(updated_at: dt.datetime, *message_times: dt.datetime) -> tuple[ChatSession, list[ChatMessage]]:
    session = ChatSessionFactory()
    messages = [ChatMessageFactory(session=session) for _ in message_times]
    for message, created in zip(messages, message_times, strict=True):
        ChatMessage.objects.filter(pk=message.pk).update(created_at=created)
    ChatSession.objects.filter(pk=session.pk).update(updated_at=updated_at)
    return session, messages


def test_it_is_registered_as_a_retention_purger() -> None:
    assert "ai.retention.purge_chats" in registered_purgers()


def test_it_deletes_messages_older_than_the_setting_and_keeps_the_one_on_the_cutoff() -> None:
    session, (old, edge, fresh) = session_at(days_ago(1), days_ago(10, 1), days_ago(10), days_ago(1))
    removed = purge_old_data(now=NOW)
    assert (removed["chat_messages"], removed["chat_sessions"]) == (1, 0)
    assert set(ChatMessage.objects.values_list("pk", flat=True)) == {edge.pk, fresh.pk}
    assert not ChatMessage.objects.filter(pk=old.pk).exists()
    assert ChatSession.objects.filter(pk=session.pk).exists()


def test_it_deletes_sessions_idle_since_before_the_cutoff_with_their_messages_and_proposals() -> None:
    idle, (message,) = session_at(days_ago(10, 1), days_ago(11))
    ChatProposal.objects.create(session=idle, message=message, runbook_name="restart")
    edge, _ = session_at(days_ago(10))
    removed = purge_old_data(now=NOW)
    assert (removed["chat_messages"], removed["chat_sessions"]) == (1, 1)
    assert list(ChatSession.objects.values_list("pk", flat=True)) == [edge.pk]
    assert not ChatProposal.objects.exists()


def test_it_keeps_an_old_session_that_still_has_a_newer_message() -> None:
    session, (newer,) = session_at(days_ago(30), days_ago(2))
    assert purge_old_data(now=NOW)["chat_sessions"] == 0
    assert list(ChatMessage.objects.filter(session=session).values_list("pk", flat=True)) == [newer.pk]


def test_it_keeps_every_chat_when_the_setting_is_zero(retention) -> None:  # type: ignore[no-untyped-def]
    retention.RETENTION_CHAT_DAYS = 0
    session_at(days_ago(3000), days_ago(3000))
    assert purge_old_data(now=NOW)["chat_messages"] == 0
    assert (ChatSession.objects.count(), ChatMessage.objects.count()) == (1, 1)


def test_it_deletes_investigations_that_ended_before_the_cutoff_with_their_commands() -> None:
    from ai.models import CommandRequest, Investigation
    from tests.factories import CommandRequestFactory, InvestigationFactory

    old = CommandRequestFactory(investigation__finished_at=days_ago(10, 1)).investigation
    edge = InvestigationFactory(finished_at=days_ago(10))
    running = InvestigationFactory(finished_at=None)
    assert "ai.retention.purge_investigations" in registered_purgers()
    assert purge_old_data(now=NOW)["investigations"] == 1
    assert set(Investigation.objects.values_list("pk", flat=True)) == {edge.pk, running.pk}
    assert not CommandRequest.objects.filter(investigation_id=old.pk).exists()
