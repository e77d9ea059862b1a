"""Retention of chat and investigation transcripts (registered in AiConfig.ready())."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from remediation.services.retention import cutoff


def purge_chats(now: dt.datetime) -> dict[str, int]:
    """Delete chat messages created before RETENTION_CHAT_DAYS, then sessions idle since then with none left."""
    from ai.models import ChatMessage, ChatSession

    before = cutoff("RETENTION_CHAT_DAYS", now)
    if before is None:
        return {"chat_messages": 0, "chat_sessions": 0}
    # Messages go one by one (their proposals with them), so a session still in use loses only its old turns.
    _, messages = ChatMessage.objects.filter(created_at__lt=before).delete()
    newer = ChatMessage.objects.filter(session=OuterRef("pk"), created_at__gte=before)
    _, sessions = ChatSession.objects.filter(updated_at__lt=before).exclude(Exists(newer)).delete()
    return {"chat_messages": messages.get("ai.ChatMessage", 0), "chat_sessions": sessions.get("ai.ChatSession", 0)}


def purge_investigations(now: dt.datetime) -> dict[str, int]:
    """Delete investigations that ended before RETENTION_CHAT_DAYS, with their transcripts and commands."""
    from ai.models import Investigation

    before = cutoff("RETENTION_CHAT_DAYS", now)
    if before is None:
        return {"investigations": 0}
    _, deleted = Investigation.objects.filter(finished_at__lt=before).delete()
    return {"investigations": deleted.get("ai.Investigation", 0)}
